using Tidemark.Docker.Registry;

namespace Tidemark.Tests.Registry;

/// <summary>Issue 10: ratelimit-limit / ratelimit-remaining as registries send them.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public void Reads_limit_remaining_and_window()
    {
        var limit = RateLimit.Parse("100;w=21600", "76;w=21600", null, out var problem);

        Assert.Null(problem);
        Assert.Equal(new RateLimit(100, 76, TimeSpan.FromHours(6)), limit);
    }

    [Fact]
    public void No_headers_means_no_limit_reported()
    {
        Assert.Null(RateLimit.Parse(null, null, null, out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("100", 100L, null)]
    [InlineData("100;w=21600", 100L, 21600L)]
    [InlineData(" 100 ; w=21600 ", 100L, 21600L)]
    [InlineData("100;W=60", 100L, 60L)]
    [InlineData("100;w=\"60\"", 100L, 60L)]
    [InlineData("100;w=21600;comment=\"fair use\"", 100L, 21600L)]
    [InlineData("100;policy=x;w=3600", 100L, 3600L)]
    [InlineData("100, 100;w=21600, 500;w=86400", 100L, 21600L)]
    [InlineData("100, 500;w=86400", 100L, null)]
    [InlineData("0;w=21600", 0L, 21600L)]
    [InlineData("9223372036854775807", long.MaxValue, null)]
    public void Accepts_the_forms_in_use(string header, long number, long? windowSeconds)
    {
        Assert.True(RateLimit.TryParseValue(header, out var n, out var window));

        Assert.Equal(number, n);
        Assert.Equal(windowSeconds is { } s ? TimeSpan.FromSeconds(s) : null, window);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("5.5")]
    [InlineData("1e3")]
    [InlineData(";w=60")]
    [InlineData("100;w=abc")]
    [InlineData("100;w=0")]
    [InlineData("100;w=-1")]
    [InlineData("99999999999999999999")]
    public void Rejects_what_is_not_a_number_of_pulls(string header)
    {
        Assert.False(RateLimit.TryParseValue(header, out _, out _));
    }

    [Fact]
    public void An_unreadable_header_is_a_problem_that_quotes_it_escaped()
    {
        Assert.Null(RateLimit.Parse("100;w=21600", "lots\r\nX-Forged: 1", null, out var problem));

        Assert.Equal("unreadable ratelimit-remaining header 'lots\\r\\nX-Forged: 1'", problem);
    }

    [Fact]
    public void Either_header_alone_is_reported_and_the_window_comes_from_whichever_has_it()
    {
        Assert.Equal(new RateLimit(null, 5, TimeSpan.FromSeconds(60)), RateLimit.Parse(null, "5;w=60", null, out _));
        Assert.Equal(new RateLimit(100, null, null), RateLimit.Parse("100", null, null, out _));
        Assert.Equal(new RateLimit(100, 5, TimeSpan.FromSeconds(60)), RateLimit.Parse("100", "5;w=60", null, out _));
    }

    [Fact]
    public void The_source_is_kept_escaped()
    {
        var limit = RateLimit.Parse("100;w=21600", "76;w=21600", " 192.0.2.1\n", out _);

        Assert.Equal("192.0.2.1", limit!.Source);
    }

    [Theory]
    [InlineData(21600L, "6h")]
    [InlineData(3600L, "1h")]
    [InlineData(86400L, "24h")]
    [InlineData(172800L, "2d")]
    [InlineData(5400L, "90m")]
    [InlineData(90L, "90s")]
    [InlineData(1L, "1s")]
    public void Windows_print_as_an_operator_reads_them(long seconds, string text)
    {
        Assert.Equal(text, RateLimit.FormatWindow(TimeSpan.FromSeconds(seconds)));
    }
}
