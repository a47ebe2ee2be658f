using System.Globalization;
using System.Text;

namespace Tidemark.Core.Configuration;

/// <summary>
/// Durations as operators write them in config and flags: "90s", "15m", "24h", "7d", "1h30m".
/// </summary>
public static class DurationText
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return false;
        }

        var total = TimeSpan.Zero;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i == start || i == s.Length)
            {
                return false;
            }

            if (!long.TryParse(s.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            TimeSpan unit;
            switch (s[unitStart..i])
            {
                case "ms": unit = TimeSpan.FromMilliseconds(1); break;
                case "s": unit = TimeSpan.FromSeconds(1); break;
                case "m": unit = TimeSpan.FromMinutes(1); break;
                case "h": unit = TimeSpan.FromHours(1); break;
                case "d": unit = TimeSpan.FromDays(1); break;
                case "w": unit = TimeSpan.FromDays(7); break;
                default: return false;
            }

            try
            {
                total += checked(unit * n);
            }
            catch (OverflowException)
            {
                return false;
            }
        }

        value = total;
        return true;
    }

    /// <summary>The shortest exact spelling, e.g. 1d2h, 90s, 0s.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        if (value < TimeSpan.Zero)
        {
            sb.Append('-');
            value = value.Negate();
        }

        Append(sb, value.Days, "d");
        Append(sb, value.Hours, "h");
        Append(sb, value.Minutes, "m");
        Append(sb, value.Seconds, "s");
        Append(sb, value.Milliseconds, "ms");
        return sb.ToString();
    }

    /// <summary>A rounded, human age such as "3d", "5h", "12m", "40s".</summary>
    public static string Approximate(TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            return "0s";
        }

        if (value.TotalDays >= 1)
        {
            return $"{(int)value.TotalDays}d";
        }

        if (value.TotalHours >= 1)
        {
            return $"{(int)value.TotalHours}h";
        }

        if (value.TotalMinutes >= 1)
        {
            return $"{(int)value.TotalMinutes}m";
        }

        return $"{(int)value.TotalSeconds}s";
    }

    private static void Append(StringBuilder sb, int n, string unit)
    {
        if (n != 0)
        {
            sb.Append(n.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }
}
