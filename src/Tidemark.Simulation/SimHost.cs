
namespace Tidemark.Simulation;

/// <summary>A live CI run: its stack name and the images its containers use.</summary>
public sealed class LiveRun(string id, string stack, DateTimeOffset started)
{
    public string Id { get; } = id;
    public string Stack { get; } = stack;
    public DateTimeOffset Started { get; } = started;
    public List<string> Images { get; } = [];
}

/// <summary>What a policy sees and may act on at a decision point.</summary>
public sealed class SimHost(SimStore store)
{
    public SimStore Store { get; } = store;

    public Dictionary<string, LiveRun> Runs { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset Now { get; set; }

    /// <summary>Position of the current event in the trace (for the offline reference's look-ahead).</summary>
    public int EventIndex { get; set; }

    /// <summary>When the store first held each image (what kubelet's minimum age is measured from).</summary>
    public Dictionary<string, DateTimeOffset> FirstPresent { get; } = new(StringComparer.Ordinal);

    public bool AnyRunLive => Runs.Count > 0;
}
