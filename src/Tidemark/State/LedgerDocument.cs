using System.Text.Json.Serialization;

namespace Tidemark.Cli.State;

// The ledger file, version 1 (docs/ledger.md). Everything is nullable as read, so that a file
// missing a field is found by LedgerValidation and set aside, not filled with silent defaults
// (a missing lastUsed must not read as "used in year 1").

/// <param name="DaemonId">The daemon the history belongs to; absent in ledgers written before it was kept.</param>
/// <param name="EventsCoveredSince">Every daemon event since then was applied (see UsageLedger).</param>
/// <param name="Repositories">Use history per repository, kept when its images go (absent in ledgers written before it was kept).</param>
public sealed record LedgerDocument(int Version, DateTimeOffset? EventsSeenUntil, Dictionary<string, LedgerImageDocument?>? Images, string? DaemonId = null,
    DateTimeOffset? EventsCoveredSince = null, Dictionary<string, LedgerRepositoryDocument?>? Repositories = null);

/// <param name="Latest">The image the repository was last used as; LatestSince when that began.</param>
public sealed record LedgerRepositoryDocument(DateTimeOffset? LastUsed, List<DateTimeOffset>? RecentUses, string? Latest = null, DateTimeOffset? LatestSince = null,
    bool? Coexisting = null);

public sealed record LedgerImageDocument(
    DateTimeOffset? FirstSeen,
    DateTimeOffset? LastUsed,
    long UseCount,
    List<string?>? References,
    List<DateTimeOffset>? RecentUses,
    List<LedgerLayerDocument?>? Layers,
    bool? LastUseAssumed = null,
    LedgerSwarmTaskDocument? SwarmTask = null);

/// <summary>The swarm service whose task on this node last ran the image (kept for workers, which cannot read services).</summary>
public sealed record LedgerSwarmTaskDocument(string? Service, string? Reference, DateTimeOffset? LastSeen);

public sealed record LedgerLayerDocument(string? ChainId, long Size);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LedgerDocument))]
public sealed partial class LedgerJsonContext : JsonSerializerContext
{
}
