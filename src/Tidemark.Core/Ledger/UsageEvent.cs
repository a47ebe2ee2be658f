namespace Tidemark.Core.Ledger;

/// <summary>A use of an image, from the daemon's event stream, already resolved to an image ID.</summary>
public sealed record UsageEvent(DateTimeOffset Time, UsageKind Kind, string ImageId, string? Reference)
{
    /// <summary>For a swarm task's container: its service (the `com.docker.swarm.service.name` label).</summary>
    public string? SwarmService { get; init; }
}

public enum UsageKind
{
    /// <summary>A container was created from the image: one use.</summary>
    ContainerCreated,
    /// <summary>A container of the image started, or an exec ran in one: touches last use.</summary>
    ContainerActive,
    /// <summary>The image was pulled, loaded, imported or tagged: it is wanted now.</summary>
    ImageArrived,
}
