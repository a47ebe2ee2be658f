namespace Tidemark.Core.Inventory;

/// <summary>Docker image reference spelling rules, only as far as matching needs them.</summary>
public static class ImageReference
{
    /// <summary>
    /// "postgres:16" → "docker.io/library/postgres:16"; "me/app:1" → "docker.io/me/app:1";
    /// references naming a registry are returned unchanged.
    /// </summary>
    public static string Qualify(string reference)
    {
        var slash = reference.IndexOf('/');
        if (slash < 0)
        {
            return "docker.io/library/" + reference;
        }

        var first = reference[..slash];
        var namesRegistry = first.Contains('.') || first.Contains(':') || first == "localhost";
        return namesRegistry ? reference : "docker.io/" + reference;
    }

    /// <summary>The repository part: "registry:5000/app:1.2" → "registry:5000/app"; digests likewise.</summary>
    public static string Repository(string reference)
    {
        var at = reference.IndexOf('@');
        if (at >= 0)
        {
            return reference[..at];
        }

        var colon = reference.LastIndexOf(':');
        var slash = reference.LastIndexOf('/');
        return colon > slash ? reference[..colon] : reference;
    }
}
