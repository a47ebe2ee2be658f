using System.Diagnostics.CodeAnalysis;

namespace Tidemark.Docker.Registry;

/// <summary>
/// An OCI platform: os/architecture[/variant] in the image-spec spelling ("linux/amd64",
/// "linux/arm64/v8", "linux/arm/v7"). <see cref="FromDaemon"/> turns /info's OSType and
/// Architecture (uname spelling: x86_64, aarch64…) into it.
/// </summary>
public sealed record Platform(string Os, string Architecture, string? Variant = null)
{
    public override string ToString() => Os + "/" + Architecture + (Variant is null ? "" : "/" + Variant);

    /// <summary>"linux/amd64", "linux/arm64/v8": lower-cased; the architecture normalised.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Platform? platform)
    {
        platform = null;
        if (string.IsNullOrEmpty(text) || text.Length > 100)
        {
            return false;
        }

        var parts = text.ToLowerInvariant().Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            return false;
        }

        var (architecture, variant) = NormaliseArchitecture(parts[1], parts.Length == 3 ? parts[2] : null);
        platform = new Platform(parts[0], architecture, variant);
        return true;
    }

    /// <summary>The daemon's own platform from /info: OSType "linux", Architecture "x86_64" → linux/amd64.</summary>
    public static Platform FromDaemon(string osType, string architecture)
    {
        var (arch, variant) = NormaliseArchitecture(architecture.ToLowerInvariant(), null);
        return new Platform(osType.ToLowerInvariant(), arch, variant);
    }

    /// <summary>containerd's normalisation of architecture names and their default variants.</summary>
    public static (string Architecture, string? Variant) NormaliseArchitecture(string architecture, string? variant)
    {
        switch (architecture)
        {
            case "i386" or "i486" or "i586" or "i686":
                return ("386", null);
            case "x86_64" or "x86-64" or "amd64":
                return ("amd64", variant is null or "v1" ? null : variant);
            case "aarch64" or "arm64":
                return ("arm64", variant is null or "8" or "v8" ? null : variant);
            case "armhf":
                return ("arm", "v7");
            case "armel":
                return ("arm", "v6");
            case "arm":
                return ("arm", variant switch
                {
                    null or "" or "7" => "v7",
                    "5" or "6" or "8" => "v" + variant,
                    _ => variant,
                });
            case "armv5l" or "armv6l" or "armv7l" or "armv8l":
                return ("arm", "v" + architecture[4]);
            default:
                return (architecture, variant);
        }
    }

    /// <summary>Does an index entry's platform (as written there) match this one, after normalisation?</summary>
    public bool Matches(string? os, string? architecture, string? variant)
    {
        if (os is null || architecture is null || !string.Equals(os, Os, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var (arch, v) = NormaliseArchitecture(architecture.ToLowerInvariant(), string.IsNullOrEmpty(variant) ? null : variant.ToLowerInvariant());
        return arch == Architecture && v == Variant;
    }
}
