using System.Text.Json.Serialization;

namespace Tidemark.Cli.State;

/// <summary>The ledger file, version 1 (docs/ledger.md).</summary>
public sealed record LedgerDocument(int Version, DateTimeOffset? EventsSeenUntil, Dictionary<string, LedgerImageDocument> Images);

public sealed record LedgerImageDocument(
    DateTimeOffset FirstSeen,
    DateTimeOffset LastUsed,
    long UseCount,
    List<string> References,
    List<DateTimeOffset> RecentUses,
    List<LedgerLayerDocument>? Layers);

public sealed record LedgerLayerDocument(string ChainId, long Size);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LedgerDocument))]
public sealed partial class LedgerJsonContext : JsonSerializerContext
{
}
