using System.Globalization;
using Tidemark.Core.Text;

namespace Tidemark.Docker.Registry;

/// <summary>
/// A registry's pull limit as its <c>ratelimit-limit</c> and <c>ratelimit-remaining</c> headers
/// state it: <c>100;w=21600</c> is 100 pulls per window of 21600 s (6 h). Either header may be
/// missing; <see cref="Window"/> comes from whichever carries <c>w=</c>.
/// </summary>
/// <param name="Source">The registry's <c>docker-ratelimit-source</c> header when sent: what the
/// limit is counted against (an IP address for anonymous pulls, an account otherwise).</param>
public sealed record RateLimit(long? Limit, long? Remaining, TimeSpan? Window, string? Source = null)
{
    public const string LimitHeader = "ratelimit-limit";
    public const string RemainingHeader = "ratelimit-remaining";
    public const string SourceHeader = "docker-ratelimit-source";

    /// <summary>
    /// Reads the two headers (null when not sent). Returns null with no problem when neither was
    /// sent: the registry reports no limit. A header that is there but unreadable gives a problem
    /// (escaped, quoting the value) and null.
    /// </summary>
    /// <remarks>
    /// Accepted forms: <c>N</c>, <c>N;w=S</c>, <c>N;w=S;other=…</c> (other parameters ignored),
    /// and the draft standard's list <c>N, N;w=S, M;w=T</c>: the first number is the limit in
    /// force, its window the one given with it or, failing that, with the first later policy of
    /// the same number.
    /// </remarks>
    public static RateLimit? Parse(string? limitHeader, string? remainingHeader, string? source, out string? problem)
    {
        problem = null;
        if (limitHeader is null && remainingHeader is null)
        {
            return null;
        }

        long? limit = null;
        long? remaining = null;
        TimeSpan? window = null;
        if (limitHeader is not null)
        {
            if (!TryParseValue(limitHeader, out var n, out var w))
            {
                problem = $"unreadable {LimitHeader} header '{Shown(limitHeader)}'";
                return null;
            }

            limit = n;
            window = w;
        }

        if (remainingHeader is not null)
        {
            if (!TryParseValue(remainingHeader, out var n, out var w))
            {
                problem = $"unreadable {RemainingHeader} header '{Shown(remainingHeader)}'";
                return null;
            }

            remaining = n;
            window ??= w;
        }

        return new RateLimit(limit, remaining, window, string.IsNullOrWhiteSpace(source) ? null : Shown(source.Trim()));
    }

    /// <summary>One header value: the number in force and its window if one is given.</summary>
    public static bool TryParseValue(string value, out long number, out TimeSpan? window)
    {
        number = 0;
        window = null;
        if (value.Length > 1024)
        {
            return false;
        }

        var policies = value.Split(',');
        if (!TryParsePolicy(policies[0], out number, out var firstWindow))
        {
            return false;
        }

        window = firstWindow;
        for (var p = 1; window is null && p < policies.Length; p++)
        {
            if (TryParsePolicy(policies[p], out var n, out var w) && n == number)
            {
                window = w;
            }
        }

        return true;
    }

    private static bool TryParsePolicy(string policy, out long number, out TimeSpan? window)
    {
        number = 0;
        window = null;
        var parts = policy.Split(';');
        if (!long.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out number))
        {
            return false;
        }

        for (var i = 1; i < parts.Length; i++)
        {
            var part = parts[i].Trim();
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            if (string.Equals(part[..eq].Trim(), "w", StringComparison.OrdinalIgnoreCase))
            {
                var seconds = part[(eq + 1)..].Trim().Trim('"');
                if (!long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s) || s <= 0 || s > 100L * 365 * 86400)
                {
                    return false;
                }

                window = TimeSpan.FromSeconds(s);
            }
        }

        return true;
    }

    /// <summary>"6h", "90m", "45s", "1d": the window as an operator reads it.</summary>
    public static string FormatWindow(TimeSpan window)
    {
        var seconds = (long)window.TotalSeconds;
        if (seconds > 0 && seconds % 86400 == 0 && seconds >= 2 * 86400)
        {
            return (seconds / 86400).ToString(CultureInfo.InvariantCulture) + "d";
        }

        if (seconds > 0 && seconds % 3600 == 0)
        {
            return (seconds / 3600).ToString(CultureInfo.InvariantCulture) + "h";
        }

        if (seconds > 0 && seconds % 60 == 0)
        {
            return (seconds / 60).ToString(CultureInfo.InvariantCulture) + "m";
        }

        return seconds.ToString(CultureInfo.InvariantCulture) + "s";
    }

    private static string Shown(string value) => Printable.Escape(value.Length > 100 ? value[..100] + "…" : value);
}
