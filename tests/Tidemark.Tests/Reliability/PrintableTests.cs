using Tidemark.Cli.Output;
using Tidemark.Core.Text;

namespace Tidemark.Tests.Reliability;

/// <summary>Issue 7, defect 11: no value can add a line or a terminal escape to the output.</summary>
public sealed class PrintableTests
{
    [Theory]
    [InlineData("plain name", "plain name")]
    [InlineData("a\nresult: forged", "a\\nresult: forged")]
    [InlineData("a\r\n", "a\\r\\n")]
    [InlineData("\u001b[2Jclear", "\\x1b[2Jclear")]
    [InlineData("nul\0", "nul\\x00")]
    [InlineData("next\u0085line", "next\\x85line")]
    [InlineData("sep\u2028", "sep\\u2028")]
    [InlineData("bidi\u202eevil", "bidi\\u202eevil")]
    [InlineData("héllo ünïcode 日本", "héllo ünïcode 日本")]
    public void Controls_are_escaped_and_text_is_kept(string value, string expected) =>
        Assert.Equal(expected, Printable.Escape(value));

    [Fact]
    public void A_safe_line_escapes_every_hole_but_keeps_paint()
    {
        var evil = "x\n\u001b[31mresult: reclaimed 1 TB";
        var line = Safe.Line($"gate idle {new Paint(true).Yellow("block")} stack {evil} (matches ^x)");
        Assert.DoesNotContain('\n', line);
        Assert.Equal(2, line.Count(c => c == '\u001b'));
        Assert.Contains("x\\n\\x1b[31mresult", line);
    }
}
