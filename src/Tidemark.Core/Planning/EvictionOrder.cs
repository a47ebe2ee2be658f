using Tidemark.Core.Inventory;
using Tidemark.Core.Ledger;

namespace Tidemark.Core.Planning;

/// <summary>What an eviction order may weigh about one candidate image.</summary>
/// <param name="Uses">Container creations of the image and of its repositories' other versions, oldest first.</param>
/// <param name="Superseded">A newer version has been used in its place in every repository it is tagged in.</param>
public sealed record CandidateFacts(ImageRecord Image, LedgerEntry? Usage, DateTimeOffset LastUsed, long UniqueBytes, DateTimeOffset Now,
    IReadOnlyList<DateTimeOffset> Uses, bool Superseded = false);

/// <summary>
/// Ranks stage-2 candidates: the lowest score is evicted first. The planner breaks ties by image
/// ID so that plans are reproducible.
/// </summary>
public interface IEvictionOrder
{
    string Name { get; }

    /// <summary>One line on what the order means, for the plan's output.</summary>
    string Describe(CandidateFacts candidate);

    double Score(CandidateFacts candidate);
}

/// <summary>Least recently used first.</summary>
public sealed class LeastRecentlyUsed : IEvictionOrder
{
    public static LeastRecentlyUsed Instance { get; } = new();

    public string Name => "lru";

    public string Describe(CandidateFacts c) => EvictionOrders.LastUse(c);

    public double Score(CandidateFacts c) => c.LastUsed.UtcTicks;
}

public static class EvictionOrders
{
    public static IReadOnlyList<IEvictionOrder> All { get; } = [PredictedReuse.Instance, LeastRecentlyUsed.Instance];

    public static IEvictionOrder? Find(string name) => All.FirstOrDefault(o => o.Name == name);

    /// <summary>"last used 3d ago", or, when the ledger never saw it used, "no recorded use since first seen 3d ago".</summary>
    public static string LastUse(CandidateFacts c)
    {
        var ago = Configuration.DurationText.Approximate(c.Now - c.LastUsed);
        return c.Usage is { UseCount: 0 } u && u.LastUsed <= u.FirstSeen
            ? $"no recorded use since first seen {ago} ago"
            : $"last used {ago} ago";
    }
}
