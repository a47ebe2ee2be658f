namespace Tidemark.Core.Inventory;

public sealed record BuildCacheRecord(
    string Id,
    string Type,
    string Description,
    long Size,
    bool InUse,
    bool Shared,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt)
{
    /// <summary>What `docker builder prune --filter until=` compares: last use, else creation.</summary>
    public DateTimeOffset LastTouched => LastUsedAt ?? CreatedAt;
}
