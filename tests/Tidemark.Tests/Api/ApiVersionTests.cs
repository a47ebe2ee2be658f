using Tidemark.Docker.Api;

namespace Tidemark.Tests.Api;

public sealed class ApiVersionTests
{
    [Theory]
    [InlineData("1.41", "1.41")] // Debian 12's engine 20.10
    [InlineData("1.45", "1.45")]
    [InlineData("1.52", "1.52")]
    [InlineData("1.57", "1.52")] // newer engines accept 1.52 (they refuse below 1.44)
    [InlineData("2.0", "1.52")]
    public void Negotiates_the_lower_of_daemon_and_newest_known(string daemon, string expected)
    {
        Assert.True(ApiVersion.TryParse(daemon, out var v));
        Assert.Equal(expected, ApiVersion.Negotiate(v)!.Value.ToString());
    }

    [Theory]
    [InlineData("1.40")]
    [InlineData("1.24")]
    public void Refuses_daemons_older_than_1_41(string daemon)
    {
        Assert.True(ApiVersion.TryParse(daemon, out var v));
        Assert.Null(ApiVersion.Negotiate(v));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("1.x")]
    [InlineData("v1.41")]
    public void Rejects_malformed_headers(string? header) => Assert.False(ApiVersion.TryParse(header, out _));

    [Fact]
    public void Orders_by_minor_numerically() => Assert.True(new ApiVersion(1, 9) < new ApiVersion(1, 41));
}
