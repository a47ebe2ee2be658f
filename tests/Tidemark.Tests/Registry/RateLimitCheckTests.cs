using Tidemark.Cli.Doctor;
using Tidemark.Docker.Registry;

namespace Tidemark.Tests.Registry;

/// <summary>Issue 10: the doctor's rate-limit line from a HEAD answer.</summary>
public sealed class RateLimitCheckTests
{
    private static ImageName Image()
    {
        Assert.True(ImageName.TryParse("127.0.0.1:5500/library/x:1", "127.0.0.1:1", out var name, out _));
        return name;
    }

    private static RegistryResult<ManifestHead> Head(RateLimit? limit, string? problem = null, string? user = null) =>
        RegistryResult<ManifestHead>.Ok(new ManifestHead(Image(), 200, "sha256:" + new string('a', 64), MediaTypes.DockerManifest, 527, limit, problem, user));

    [Fact]
    public void Plenty_remaining_is_ok_with_limit_window_and_remaining()
    {
        var check = RateLimitCheck.Evaluate(Image(), Head(new RateLimit(100, 76, TimeSpan.FromHours(6), "192.0.2.7")));

        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.Equal("rate-limit", check.Area);
        Assert.Equal("127.0.0.1:5500 library/x:1 — limit 100 per 6h, 76 remaining", check.Evidence);
        Assert.Null(check.Remedy);
        Assert.Equal(100L, check.Facts!["limit"]);
        Assert.Equal(76L, check.Facts["remaining"]);
        Assert.Equal(21600L, check.Facts["window_seconds"]);
        Assert.Equal("192.0.2.7", check.Facts["source"]);
        Assert.Null(check.Facts["authenticated_as"]);
    }

    [Theory]
    [InlineData(9L, CheckStatus.Warn)]
    [InlineData(10L, CheckStatus.Ok)]
    [InlineData(1L, CheckStatus.Warn)]
    [InlineData(0L, CheckStatus.Fail)]
    public void Below_a_tenth_warns_and_none_left_fails(long remaining, CheckStatus status)
    {
        var check = RateLimitCheck.Evaluate(Image(), Head(new RateLimit(100, remaining, TimeSpan.FromHours(6))));

        Assert.Equal(status, check.Status);
        Assert.Equal($"127.0.0.1:5500 library/x:1 — limit 100 per 6h, {remaining} remaining", check.Evidence);
        if (status != CheckStatus.Ok)
        {
            Assert.Contains("pulls are anonymous", check.Remedy, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Authenticated_pulls_are_not_told_to_add_credentials()
    {
        var check = RateLimitCheck.Evaluate(Image(), Head(new RateLimit(200, 0, TimeSpan.FromHours(6)), user: "tidemark-test"));

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Contains("(as tidemark-test)", check.Remedy, StringComparison.Ordinal);
        Assert.DoesNotContain("anonymous", check.Remedy, StringComparison.Ordinal);
        Assert.Equal("tidemark-test", check.Facts!["authenticated_as"]);
    }

    [Fact]
    public void No_headers_is_ok_and_says_no_limit_is_reported()
    {
        var check = RateLimitCheck.Evaluate(Image(), Head(null));

        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.Equal("127.0.0.1:5500 library/x:1 — no pull limit reported", check.Evidence);
    }

    [Fact]
    public void Partial_headers_say_what_is_missing()
    {
        Assert.Equal("127.0.0.1:5500 library/x:1 — limit 100, remaining not reported",
            RateLimitCheck.Evaluate(Image(), Head(new RateLimit(100, null, null))).Evidence);
        Assert.Equal("127.0.0.1:5500 library/x:1 — 40 remaining per 1h, limit not reported",
            RateLimitCheck.Evaluate(Image(), Head(new RateLimit(null, 40, TimeSpan.FromHours(1)))).Evidence);
    }

    [Fact]
    public void Unreadable_headers_warn()
    {
        var check = RateLimitCheck.Evaluate(Image(), Head(null, "unreadable ratelimit-limit header 'x'"));

        Assert.Equal(CheckStatus.Warn, check.Status);
        Assert.Equal("127.0.0.1:5500 library/x:1 — unreadable ratelimit-limit header 'x'", check.Evidence);
    }

    [Theory]
    [InlineData(RegistryErrorKind.Unreachable, "connection to http://127.0.0.1:5500 refused", "check the address")]
    [InlineData(RegistryErrorKind.AuthenticationRefused, "authentication refused for user u (401 on HEAD /v2/library/x/manifests/1)", "docker login 127.0.0.1:5500")]
    [InlineData(RegistryErrorKind.NotFound, "library/x:1 not found", "name an image that exists")]
    [InlineData(RegistryErrorKind.TooManyRequests, "too many requests (429)", "used up")]
    [InlineData(RegistryErrorKind.Tls, "TLS with https://127.0.0.1:5500 failed", "certificate")]
    public void A_registry_that_does_not_answer_fails_and_names_it(RegistryErrorKind kind, string message, string remedy)
    {
        var error = new RegistryError(kind, "127.0.0.1:5500", "registry 127.0.0.1:5500: " + message);

        var check = RateLimitCheck.Evaluate(Image(), RegistryResult<ManifestHead>.Fail(error));

        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Equal($"127.0.0.1:5500 library/x:1 — {message}", check.Evidence);
        Assert.Contains(remedy, check.Remedy, StringComparison.Ordinal);
        Assert.Equal(kind.ToString(), check.Facts!["error"]);
    }
}
