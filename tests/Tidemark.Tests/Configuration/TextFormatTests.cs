using Tidemark.Core.Configuration;
using Tidemark.Core.Text;

namespace Tidemark.Tests.Configuration;

public sealed class TextFormatTests
{
    [Theory]
    [InlineData("24h", 24 * 3600)]
    [InlineData("90s", 90)]
    [InlineData("15m", 900)]
    [InlineData("7d", 7 * 86400)]
    [InlineData("1h30m", 5400)]
    [InlineData("2w", 14 * 86400)]
    [InlineData("0s", 0)]
    public void Parses_durations(string text, int seconds)
    {
        Assert.True(DurationText.TryParse(text, out var d));
        Assert.Equal(TimeSpan.FromSeconds(seconds), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5y")]
    [InlineData("h5")]
    [InlineData("1.5h")]
    [InlineData("99999999999999999999d")]
    public void Rejects_bad_durations(string text) => Assert.False(DurationText.TryParse(text, out _));

    [Fact]
    public void Formats_durations_exactly() => Assert.Equal("1d2h3m", DurationText.Format(new TimeSpan(1, 2, 3, 0)));

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(999, "999 B")]
    [InlineData(1_500_000, "1.5 MB")]
    [InlineData(64_000_000_000, "64 GB")]
    public void Formats_sizes_like_docker(long bytes, string text) => Assert.Equal(text, ByteSize.Format(bytes));

    [Theory]
    [InlineData("64GB", 64_000_000_000)]
    [InlineData("2G", 2_000_000_000)]
    [InlineData("512MiB", 512L * 1024 * 1024)]
    [InlineData("1.5TB", 1_500_000_000_000)]
    [InlineData("1000", 1000)]
    public void Parses_sizes(string text, long bytes)
    {
        Assert.True(ByteSize.TryParse(text, out var b));
        Assert.Equal(bytes, b);
    }

    [Theory]
    [InlineData("")]
    [InlineData("GB")]
    [InlineData("12 parsecs")]
    public void Rejects_bad_sizes(string text) => Assert.False(ByteSize.TryParse(text, out _));
}
