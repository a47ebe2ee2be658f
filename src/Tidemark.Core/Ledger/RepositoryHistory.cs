namespace Tidemark.Core.Ledger;

/// <summary>Uses of any version of a repository ("registry/app"), kept when its images go.</summary>
/// <param name="Latest">The image ID the repository was last used as: a newer version supersedes the older.</param>
/// <param name="LatestSince">When <paramref name="Latest"/> was first used as the repository's version.</param>
/// <param name="Coexisting">An older image of it was used again after a newer one: its tags are lines of their own.</param>
public sealed record RepositoryHistory(
    DateTimeOffset LastUsed,
    IReadOnlyList<DateTimeOffset> RecentUses,
    string? Latest = null,
    DateTimeOffset? LatestSince = null,
    bool Coexisting = false);
