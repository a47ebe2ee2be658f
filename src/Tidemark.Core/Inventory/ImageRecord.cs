namespace Tidemark.Core.Inventory;

/// <param name="SharedSize">Bytes shared with other images, or -1 when the daemon did not say.</param>
public sealed record ImageRecord(
    string Id,
    string ParentId,
    IReadOnlyList<string> RepoTags,
    IReadOnlyList<string> RepoDigests,
    DateTimeOffset Created,
    long Size,
    long SharedSize)
{
    /// <summary>No tag: what `docker image prune` (without --all) may remove.</summary>
    public bool IsUntagged => RepoTags.Count == 0;

    /// <summary>Size that removing this image alone would free, as far as the daemon's figures tell.</summary>
    public long UniqueSize => SharedSize >= 0 ? Math.Max(0, Size - SharedSize) : Size;

    public string ShortId => ImageIds.Short(Id);

    /// <summary>The name an operator recognises: the first tag, else the first digest, else the short ID.</summary>
    public string DisplayName =>
        RepoTags.Count > 0 ? RepoTags[0] : RepoDigests.Count > 0 ? RepoDigests[0] : ShortId;

    public IEnumerable<string> References => RepoTags.Concat(RepoDigests);
}

public static class ImageIds
{
    public static string Short(string id)
    {
        var hex = id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id;
        return hex.Length > 12 ? hex[..12] : hex;
    }
}
