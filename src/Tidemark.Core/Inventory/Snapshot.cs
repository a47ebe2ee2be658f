namespace Tidemark.Core.Inventory;

/// <summary>
/// One complete reading of the host: what the daemon holds and how full its disk is.
/// Built by the runtime adapter (or by the simulator); the policy only ever sees this.
/// </summary>
public sealed record Snapshot(
    DateTimeOffset TakenAt,
    DaemonFacts Daemon,
    DiskReading Disk,
    IReadOnlyList<ContainerRecord> Containers,
    IReadOnlyList<ImageRecord> Images,
    IReadOnlyList<ServiceRecord> Services,
    IReadOnlyList<BuildCacheRecord> BuildCache);

/// <param name="Id">The daemon's ID (`GET /info` `ID`): whose history a usage ledger holds.</param>
public sealed record DaemonFacts(string Version, string ApiVersion, string DataRoot, SwarmRole Swarm, string Id = "");

public enum SwarmRole
{
    /// <summary>Not part of a swarm: there are no services to converge.</summary>
    None,
    /// <summary>A manager: services and their task counts are visible.</summary>
    Manager,
    /// <summary>A worker: services are managed elsewhere, only local task containers are visible.</summary>
    Worker,
}
