namespace Tidemark.Core.Inventory;

public sealed record ContainerRecord(
    string Id,
    string Name,
    string ImageId,
    string ImageReference,
    ContainerState State,
    DateTimeOffset Created,
    IReadOnlyDictionary<string, string> Labels,
    long SizeRw)
{
    /// <summary>A container that is doing (or about to resume) work: the idle gate counts it. Unknown counts as live.</summary>
    public bool IsLive => State is ContainerState.Running or ContainerState.Paused or ContainerState.Restarting or ContainerState.Unknown;

    /// <summary>What `docker container prune` removes: containers that are not running.</summary>
    public bool IsStopped => State is ContainerState.Exited or ContainerState.Created or ContainerState.Dead;

    /// <summary>Its health check's state, where it has one (swarm counts a task as starting until healthy).</summary>
    public ContainerHealth Health { get; init; }

    public string ShortId => Id.Length > 12 ? Id[..12] : Id;

    /// <summary>The state in words: "created" reads as a creation time, so a container that never ran says so.</summary>
    public static string Describe(ContainerState state) => state switch
    {
        ContainerState.Created => "never started",
        _ => state.ToString().ToLowerInvariant(),
    };
}

public enum ContainerState
{
    Unknown,
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
}

/// <summary>A container's health check: none, or its state.</summary>
public enum ContainerHealth
{
    None,
    Starting,
    Healthy,
    Unhealthy,
}
