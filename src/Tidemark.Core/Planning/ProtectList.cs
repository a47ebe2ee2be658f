using System.Text;
using System.Text.RegularExpressions;
using Tidemark.Core.Inventory;

namespace Tidemark.Core.Planning;

/// <summary>
/// The [prune] protect globs: `*` matches any run of characters, `?` one character. A pattern
/// matches an image when it matches any of its tags or digests, written either as the daemon
/// lists them ("postgres:16") or fully qualified ("docker.io/library/postgres:16").
/// </summary>
public sealed class ProtectList
{
    private readonly (string Glob, Regex Regex)[] _patterns;

    public ProtectList(IEnumerable<string> globs)
    {
        _patterns = globs.Select(g => (g, ToRegex(g))).ToArray();
    }

    public static ProtectList Empty { get; } = new([]);

    /// <summary>The first glob that protects the image, or null.</summary>
    public string? Match(ImageRecord image)
    {
        if (_patterns.Length == 0)
        {
            return null;
        }

        foreach (var reference in image.References)
        {
            var full = ImageReference.Qualify(reference);
            foreach (var (glob, regex) in _patterns)
            {
                if (regex.IsMatch(reference) || regex.IsMatch(full))
                {
                    return glob;
                }
            }
        }

        return null;
    }

    private static Regex ToRegex(string glob)
    {
        var sb = new StringBuilder("^");
        foreach (var ch in glob)
        {
            sb.Append(ch switch
            {
                '*' => ".*",
                '?' => ".",
                _ => Regex.Escape(ch.ToString()),
            });
        }

        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
