using System.Globalization;
using System.Text;

namespace Tidemark.Core.Text;

/// <summary>
/// Values from outside (names, labels, tags, daemon messages, paths) are printed through this:
/// a newline, carriage return or terminal escape in a label must not start a forged log line or
/// repaint the operator's terminal.
/// </summary>
public static class Printable
{
    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return value ?? "";
        }

        var clean = true;
        foreach (var c in value)
        {
            if (NeedsEscape(c))
            {
                clean = false;
                break;
            }
        }

        if (clean)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (!NeedsEscape(c))
            {
                sb.Append(c);
                continue;
            }

            sb.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c < 0x100 => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
            });
        }

        return sb.ToString();
    }

    /// <summary>C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the
    /// bidirectional overrides that can make a line read differently from what it holds.</summary>
    public static bool NeedsEscape(char c) =>
        c < 0x20 || (c >= 0x7f && c <= 0x9f) || c is '\u2028' or '\u2029' || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069');
}
