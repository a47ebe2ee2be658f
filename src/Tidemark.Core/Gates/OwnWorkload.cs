namespace Tidemark.Core.Gates;

/// <summary>
/// Tidemark's own service and containers (the Swarm stack sets the label on both): a running
/// Tidemark is not a CI run, and its own rolling update is not a deploy it should wait for, so
/// they never hold the idle or converge gate, whatever the busy selectors match.
/// </summary>
public static class OwnWorkload
{
    public const string Label = "tidemark.self";

    /// <summary>Said after a gate's reason when something was left out for being Tidemark's own.</summary>
    public const string NotCounted = " (Tidemark's own not counted)";

    public static bool Is(IReadOnlyDictionary<string, string> labels) => labels.ContainsKey(Label);
}
