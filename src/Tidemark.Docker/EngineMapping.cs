using Tidemark.Core.Inventory;
using Tidemark.Docker.Models;

namespace Tidemark.Docker;

/// <summary>Engine API shapes to the policy's records.</summary>
public static class EngineMapping
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    public static List<ContainerRecord> Containers(IEnumerable<ContainerSummary> listed, IEnumerable<ContainerSummary> sized)
    {
        var sizes = sized.GroupBy(c => c.Id).ToDictionary(g => g.Key, g => g.First().SizeRw, StringComparer.Ordinal);
        return listed.Select(c => new ContainerRecord(
            c.Id,
            (c.Names?.FirstOrDefault() ?? c.Id).TrimStart('/'),
            c.ImageID ?? "",
            c.Image ?? "",
            State(c.State),
            UnixTime.FromSeconds(c.Created),
            c.Labels ?? NoLabels,
            sizes.TryGetValue(c.Id, out var size) ? size : c.SizeRw)
        { Health = Health(c.Status) }).ToList();
    }

    /// <summary>The health check's state from the status line's suffix (API 1.41 has no health field in the list).</summary>
    public static ContainerHealth Health(string? status) =>
        status is null ? ContainerHealth.None
        : status.EndsWith("(health: starting)", StringComparison.Ordinal) ? ContainerHealth.Starting
        : status.EndsWith("(unhealthy)", StringComparison.Ordinal) ? ContainerHealth.Unhealthy
        : status.EndsWith("(healthy)", StringComparison.Ordinal) ? ContainerHealth.Healthy
        : ContainerHealth.None;

    public static List<ImageRecord> Images(IEnumerable<ImageSummary> listed, IEnumerable<ImageSummary> sized)
    {
        var shared = sized.GroupBy(i => i.Id).ToDictionary(g => g.Key, g => g.First().SharedSize, StringComparer.Ordinal);
        return listed.Select(i => new ImageRecord(
            i.Id,
            i.ParentId ?? "",
            RealReferences(i.RepoTags),
            RealReferences(i.RepoDigests),
            UnixTime.FromSeconds(i.Created),
            i.Size,
            shared.TryGetValue(i.Id, out var s) ? s : i.SharedSize)).ToList();
    }

    public static ServiceRecord Service(SwarmService s)
    {
        var mode = s.Spec?.Mode;
        var (kind, replicas) = mode switch
        {
            { Global: not null } => (ServiceMode.Global, (long?)null),
            { ReplicatedJob: not null } => (ServiceMode.ReplicatedJob, null),
            { GlobalJob: not null } => (ServiceMode.GlobalJob, null),
            _ => (ServiceMode.Replicated, mode?.Replicated?.Replicas ?? 1),
        };
        return new ServiceRecord(
            s.Id,
            s.Spec?.Name ?? s.Id,
            s.Spec?.TaskTemplate?.ContainerSpec?.Image ?? "",
            s.Spec?.Labels ?? NoLabels,
            kind,
            replicas,
            s.ServiceStatus?.RunningTasks ?? 0,
            s.ServiceStatus?.DesiredTasks ?? replicas ?? 0,
            s.UpdateStatus?.State);
    }

    public static BuildCacheRecord BuildCache(BuildCacheItem b) => new(
        b.Id,
        b.Type ?? "",
        b.Description ?? "",
        b.Size,
        b.InUse,
        b.Shared,
        b.CreatedAt ?? DateTimeOffset.UnixEpoch,
        b.LastUsedAt);

    public static ContainerState State(string? state) => state switch
    {
        "created" => ContainerState.Created,
        "running" => ContainerState.Running,
        "paused" => ContainerState.Paused,
        "restarting" => ContainerState.Restarting,
        "removing" => ContainerState.Removing,
        "exited" => ContainerState.Exited,
        "dead" => ContainerState.Dead,
        _ => ContainerState.Unknown,
    };

    /// <summary>The daemon lists "&lt;none&gt;:&lt;none&gt;" and "&lt;none&gt;@&lt;none&gt;" for untagged images on some versions.</summary>
    private static IReadOnlyList<string> RealReferences(List<string>? refs) =>
        refs is null ? [] : refs.Where(r => !r.StartsWith("<none>", StringComparison.Ordinal)).ToList();
}
