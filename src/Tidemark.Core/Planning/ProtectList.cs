using Tidemark.Core.Inventory;

namespace Tidemark.Core.Planning;

/// <summary>
/// The [prune] protect globs: `*` matches any run of characters, `?` one character. A pattern
/// matches an image when it matches any of its tags or digests, written either as the daemon
/// lists them ("postgres:16") or fully qualified ("docker.io/library/postgres:16"). A pattern
/// that is an image ID ("sha256:…", or at least 12 hex digits) matches that image's ID, a prefix
/// being enough, as `docker` accepts short IDs.
/// </summary>
/// <remarks>
/// Matching is a loop over the two strings that only ever backs up to the last star, so it takes
/// at most (pattern length × text length) steps: no pattern can make it hang, unlike a
/// backtracking regex.
/// </remarks>
public sealed class ProtectList
{
    private const int ShortIdLength = 12;

    private readonly string[] _globs;

    public ProtectList(IEnumerable<string> globs)
    {
        _globs = globs.ToArray();
    }

    public static ProtectList Empty { get; } = new([]);

    /// <summary>The first glob that protects the image, or null.</summary>
    public string? Match(ImageRecord image)
    {
        foreach (var glob in _globs)
        {
            if (IsIdPattern(glob))
            {
                if (MatchesId(glob, image.Id))
                {
                    return glob;
                }

                continue;
            }

            foreach (var reference in image.References)
            {
                if (GlobMatches(glob, reference) || GlobMatches(glob, ImageReference.Qualify(reference)))
                {
                    return glob;
                }
            }
        }

        return null;
    }

    /// <summary>`*` and `?` glob matching, in at most pattern × text steps.</summary>
    public static bool GlobMatches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                // Let the star match nothing first; on a mismatch it takes one more character.
                star = p++;
                resume = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>
    /// Why a glob can never protect anything, or null when it can: said as a warning when the
    /// config is loaded, since a protect pattern that silently matches nothing protects nothing.
    /// </summary>
    public static string? WhyNeverMatches(string glob)
    {
        if (glob.StartsWith("sha256:", StringComparison.Ordinal))
        {
            var hex = glob[7..];
            if (!hex.All(c => char.IsAsciiHexDigitLower(c) || c is '*' or '?'))
            {
                return $"'{glob}' is neither a reference nor an image ID (sha256: and lowercase hex digits)";
            }

            return hex.IndexOfAny(['*', '?']) < 0 && hex.Length < ShortIdLength
                ? $"'{glob}' is too short an ID prefix: give at least {ShortIdLength} hex digits"
                : null;
        }

        if (IsIdPattern(glob))
        {
            return null;
        }

        if (glob.IndexOfAny([':', '@', '*', '?']) < 0)
        {
            return $"'{glob}' names no tag or digest, and every reference has one: did you mean '{glob}:*'?";
        }

        // Up to the first tag, digest or wildcard, this is a repository name: its path is lowercase
        // (only a registry host, the first part when it holds a dot, may have capitals).
        var repository = glob[..glob.IndexOfAny([':', '@', '*', '?'])];
        var parts = repository.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            var isHost = i == 0 && parts.Length > 1 && parts[0].Contains('.', StringComparison.Ordinal);
            if (!isHost && parts[i].Any(char.IsAsciiLetterUpper))
            {
                return $"'{glob}' has capitals in a repository name, and repository names are lowercase";
            }
        }

        return null;
    }

    private static bool IsIdPattern(string glob) =>
        glob.StartsWith("sha256:", StringComparison.Ordinal)
        || (glob.Length >= ShortIdLength && glob.Length <= 64 && glob.All(char.IsAsciiHexDigitLower));

    private static bool MatchesId(string glob, string id)
    {
        var pattern = glob.StartsWith("sha256:", StringComparison.Ordinal) ? glob : "sha256:" + glob;
        // Without a wildcard an ID pattern is a prefix, as short IDs are.
        return pattern.Contains('*', StringComparison.Ordinal) || pattern.Contains('?', StringComparison.Ordinal)
            ? GlobMatches(pattern, id)
            : pattern.Length >= 7 + ShortIdLength && id.StartsWith(pattern, StringComparison.Ordinal);
    }
}
