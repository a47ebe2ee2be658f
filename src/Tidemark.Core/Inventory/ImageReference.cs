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

    /// <summary>
    /// The line an image reference follows: the reference itself ("app:main", "postgres:16",
    /// "postgres:16-alpine"), ":latest" added when it has no tag. A line's next version is the
    /// same reference pointing at a new image; tags of one repository are separate lines, since
    /// one host may run postgres:15 beside postgres:16.
    /// </summary>
    public static string Line(string reference)
    {
        if (reference.Contains('@', StringComparison.Ordinal))
        {
            return reference;
        }

        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') ? reference : reference + ":latest";
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

    /// <summary>
    /// Does a service's image reference ("app:1", "app:1@sha256:…", "app@sha256:…", "app") name
    /// this image, by tag or by digest?
    /// </summary>
    public static bool Names(string serviceImage, ImageRecord image)
    {
        if (serviceImage.Length == 0)
        {
            return false;
        }

        // A task container started by image ID (what a worker remembers when that is all it saw).
        if (serviceImage.StartsWith("sha256:", StringComparison.Ordinal))
        {
            return serviceImage == image.Id;
        }

        var at = serviceImage.IndexOf('@');
        var named = at >= 0 ? serviceImage[..at] : serviceImage;
        if (at >= 0)
        {
            var digestRef = Qualify(Repository(named) + serviceImage[at..]);
            if (image.RepoDigests.Any(d => Qualify(d) == digestRef))
            {
                return true;
            }
        }

        var tagged = Repository(named) == named ? named + ":latest" : named;
        var qualified = Qualify(tagged);
        return image.RepoTags.Any(t => Qualify(t) == qualified);
    }
}
