using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Tidemark.Core.Text;

namespace Tidemark.Docker.Registry;

/// <summary>
/// An image reference split the way the Docker CLI and daemon split it (the distribution
/// reference grammar): <c>[registry/]path[:tag][@digest]</c>.
/// <list type="bullet">
/// <item>The first path component is the registry when it holds a '.' or a ':', is
/// <c>localhost</c>, or has an upper-case letter; otherwise the reference is on the default
/// registry, which the caller names (what the daemon reports): Tidemark spells no registry host.</item>
/// <item>On the default registry only, a one-component path gets <c>library/</c>.</item>
/// <item>The path is lower-case letters and digits, components joined by '/', separators '.',
/// '_', '__' or dashes inside a component; registry and path together at most 255 characters.</item>
/// <item>The tag is <c>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}</c>, <c>latest</c> when neither a tag
/// nor a digest is given; a digest is <c>sha256:</c> and 64 lower-case hex digits (or sha512 and 128).</item>
/// </list>
/// </summary>
public sealed record ImageName
{
    /// <summary>Longest input looked at at all; a real reference is far shorter.</summary>
    public const int MaxInputLength = 4096;

    /// <summary>The grammar's limit on registry + "/" + path.</summary>
    public const int MaxNameLength = 255;

    private const int MaxTagLength = 128;

    private ImageName(string registry, string repository, string? tag, string? digest)
    {
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>host[:port] as written ("127.0.0.1:5000", "[::1]:5000", "localhost"), or the default registry.</summary>
    public string Registry { get; }

    /// <summary>The path on the registry: "library/alpine", "team/app".</summary>
    public string Repository { get; }

    /// <summary>The tag; null only when a digest was given without one.</summary>
    public string? Tag { get; }

    /// <summary>"sha256:…" when the reference pins one.</summary>
    public string? Digest { get; }

    /// <summary>What goes after /manifests/: the digest when there is one (it wins over a tag, as for the daemon), else the tag.</summary>
    public string ManifestReference => Digest ?? Tag!;

    /// <summary>"library/x:1", "team/app@sha256:…": the path and what it pins, without the registry.</summary>
    public string PathAndReference => Repository + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <summary>The fully qualified reference: "127.0.0.1:5000/library/x:1".</summary>
    public override string ToString() => Registry + "/" + PathAndReference;

    /// <summary>
    /// Parses <paramref name="text"/> (as typed on a command line or in a compose file).
    /// <paramref name="defaultRegistry"/> is the registry of a reference that names none.
    /// </summary>
    /// <param name="error">One line naming the input (escaped) and what is wrong with it.</param>
    public static bool TryParse(
        string? text,
        string defaultRegistry,
        [NotNullWhen(true)] out ImageName? name,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(defaultRegistry);
        if (!IsValidDomain(defaultRegistry))
        {
            throw new ArgumentException($"the default registry '{Printable.Escape(defaultRegistry)}' is not host[:port]", nameof(defaultRegistry));
        }

        name = null;
        error = Check(text, defaultRegistry, out name);
        return error is null;
    }

    private static string? Check(string? text, string defaultRegistry, out ImageName? name)
    {
        name = null;
        if (string.IsNullOrEmpty(text))
        {
            return "empty image reference";
        }

        if (text.Length > MaxInputLength)
        {
            return $"image reference of {text.Length} characters is too long (at most {MaxNameLength} for the name)";
        }

        var shown = Printable.Escape(text);
        string Bad(string why) => $"invalid image reference '{shown}': {why}";

        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || Printable.NeedsEscape(c))
            {
                return Bad("it holds whitespace or a control character");
            }

            if (c > 0x7e)
            {
                return Bad("only ASCII letters, digits and . _ - : / @ [ ] may appear");
            }
        }

        if (text.Length == 64 && text.All(char.IsAsciiHexDigitLower))
        {
            return Bad("a 64-digit hex string is an image ID, not a reference");
        }

        string? digest = null;
        var rest = text;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = text[(at + 1)..];
            rest = text[..at];
            if (CheckDigest(digest) is { } digestError)
            {
                return Bad(digestError);
            }
        }

        string? tag = null;
        var colon = rest.LastIndexOf(':');
        var lastSlash = rest.LastIndexOf('/');
        // "[::1]:5000/app" has colons inside the brackets; a tag's colon comes after the last '/'
        // and after any ']'.
        if (colon > lastSlash && colon > rest.LastIndexOf(']'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!IsValidTag(tag))
            {
                return Bad(tag.Length == 0
                    ? "empty tag after ':'"
                    : tag.Length > MaxTagLength
                        ? $"a tag is at most {MaxTagLength} characters"
                        : "a tag is letters, digits, '_', '.' and '-', not starting with '.' or '-'");
            }
        }

        if (rest.Length == 0)
        {
            return Bad("no repository name");
        }

        string registry;
        string path;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0 && NamesRegistry(rest[..slash]))
        {
            registry = rest[..slash];
            path = rest[(slash + 1)..];
            if (!IsValidDomain(registry))
            {
                return Bad($"'{registry}' is not a registry host[:port]");
            }
        }
        else
        {
            registry = defaultRegistry;
            path = rest;
        }

        if (CheckPath(path) is { } pathError)
        {
            return Bad(pathError);
        }

        if (string.Equals(registry, defaultRegistry, StringComparison.OrdinalIgnoreCase))
        {
            registry = defaultRegistry;
            if (!path.Contains('/', StringComparison.Ordinal))
            {
                path = "library/" + path;
            }
        }

        if (registry.Length + 1 + path.Length > MaxNameLength)
        {
            return Bad($"registry and repository name are longer than {MaxNameLength} characters");
        }

        name = new ImageName(registry, path, tag ?? (digest is null ? "latest" : null), digest);
        return null;
    }

    /// <summary>The daemon's rule for the first component: a '.', a ':', "localhost", or upper case.</summary>
    private static bool NamesRegistry(string first) =>
        first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal)
        || first == "localhost" || first.Any(char.IsAsciiLetterUpper) || first.StartsWith('[');

    private static string? CheckDigest(string digest)
    {
        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return "a digest is ALGORITHM:HEX, e.g. sha256: and 64 hex digits";
        }

        var algorithm = digest[..colon];
        var hex = digest[(colon + 1)..];
        var length = algorithm switch
        {
            "sha256" => 64,
            "sha512" => 128,
            _ => 0,
        };
        if (length == 0)
        {
            return $"unsupported digest algorithm '{algorithm}' (sha256 or sha512)";
        }

        return hex.Length == length && hex.All(char.IsAsciiHexDigitLower)
            ? null
            : $"a {algorithm} digest is {length} lower-case hex digits";
    }

    private static bool IsValidTag(string tag)
    {
        if (tag.Length is 0 or > MaxTagLength || !IsWord(tag[0]))
        {
            return false;
        }

        foreach (var c in tag)
        {
            if (!IsWord(c) && c is not '.' and not '-')
            {
                return false;
            }
        }

        return true;

        static bool IsWord(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
    }

    private static string? CheckPath(string path)
    {
        if (path.Any(char.IsAsciiLetterUpper))
        {
            return "repository name must be lower-case";
        }

        foreach (var component in path.Split('/'))
        {
            if (!IsPathComponent(component))
            {
                return component.Length == 0
                    ? "empty path component (a leading, trailing or doubled '/')"
                    : $"path component '{component}' must be lower-case letters and digits, separated inside by '.', '_', '__' or dashes";
            }
        }

        return null;
    }

    /// <summary>alpha-numeric (separator alpha-numeric)*, separator := [._] | __ | -+.</summary>
    private static bool IsPathComponent(string s)
    {
        if (s.Length == 0 || !IsAlnum(s[0]) || !IsAlnum(s[^1]))
        {
            return false;
        }

        for (var i = 0; i < s.Length;)
        {
            if (IsAlnum(s[i]))
            {
                i++;
                continue;
            }

            var start = i;
            while (i < s.Length && !IsAlnum(s[i]))
            {
                i++;
            }

            var separator = s[start..i];
            var ok = separator is "." or "_" or "__" || separator.All(c => c == '-');
            if (!ok)
            {
                return false;
            }
        }

        return true;

        static bool IsAlnum(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
    }

    /// <summary>host[:port]; host is a DNS name, an IPv4 address or a bracketed IPv6 address; port 1–65535.</summary>
    public static bool IsValidDomain(string domain)
    {
        if (domain.Length is 0 or > MaxNameLength)
        {
            return false;
        }

        string host;
        string? port = null;
        if (domain.StartsWith('['))
        {
            var close = domain.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            var inner = domain[1..close];
            if (!IPAddress.TryParse(inner, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6 || inner.Contains('%', StringComparison.Ordinal))
            {
                return false;
            }

            var after = domain[(close + 1)..];
            if (after.Length > 0)
            {
                if (after[0] != ':')
                {
                    return false;
                }

                port = after[1..];
            }

            return port is null || IsPort(port);
        }

        var colon = domain.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            host = domain[..colon];
            port = domain[(colon + 1)..];
        }
        else
        {
            host = domain;
        }

        if (port is not null && !IsPort(port))
        {
            return false;
        }

        if (host.Length == 0)
        {
            return false;
        }

        foreach (var label in host.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPort(string port) =>
        port.Length is > 0 and <= 5 && port.All(char.IsAsciiDigit)
        && int.Parse(port, CultureInfo.InvariantCulture) is > 0 and <= 65535;
}
