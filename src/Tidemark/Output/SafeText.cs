using System.Globalization;
using System.Runtime.CompilerServices;
using Tidemark.Core.Text;

namespace Tidemark.Cli.Output;

/// <summary>
/// An interpolated string whose every hole is escaped (<see cref="Printable"/>) unless it is
/// <see cref="Painted"/>: a log line is built as `Safe.Line($"gate {name} {verdict} {reason}")`
/// and no value inside can add a line or a terminal escape.
/// </summary>
[InterpolatedStringHandler]
public ref struct SafeText
{
    private DefaultInterpolatedStringHandler _inner;

    public SafeText(int literalLength, int formattedCount)
    {
        _inner = new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture);
    }

    public void AppendLiteral(string s) => _inner.AppendLiteral(s);

    public void AppendFormatted(Painted value) => _inner.AppendLiteral(value.Text);

    public void AppendFormatted(string? value) => _inner.AppendLiteral(Printable.Escape(value));

    public void AppendFormatted(string? value, int alignment) => _inner.AppendFormatted(Printable.Escape(value), alignment);

    public void AppendFormatted<T>(T value) => _inner.AppendLiteral(Printable.Escape(Format(value, null)));

    public void AppendFormatted<T>(T value, string? format) => _inner.AppendLiteral(Printable.Escape(Format(value, format)));

    public string ToStringAndClear() => _inner.ToStringAndClear();

    private static string? Format<T>(T value, string? format) =>
        value is IFormattable f ? f.ToString(format, CultureInfo.InvariantCulture) : value?.ToString();
}

public static class Safe
{
    public static string Line(SafeText text) => text.ToStringAndClear();
}
