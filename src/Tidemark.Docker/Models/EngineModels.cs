using System.Text.Json.Serialization;

namespace Tidemark.Docker.Models;

// Engine API shapes, only the fields Tidemark reads. Property names are the API's own.

public sealed class SystemInfo
{
    /// <summary>The daemon's own ID: it changes when the daemon is reinstalled or its data root replaced.</summary>
    [JsonPropertyName("ID")]
    public string? Id { get; set; }
    public string? DockerRootDir { get; set; }

    /// <summary>The daemon's host name: on a swarm, the node's.</summary>
    public string? Name { get; set; }
    public string? ServerVersion { get; set; }
    public SwarmInfo? Swarm { get; set; }

    /// <summary>The storage driver (overlay2, …) and the file system it reports under the data root.</summary>
    public string? Driver { get; set; }
    public List<List<string>>? DriverStatus { get; set; }
    public string? OperatingSystem { get; set; }
    public string? OSType { get; set; }
    public string? Architecture { get; set; }

    /// <summary>The default registry's key in a client config's auths (whatever this daemon says it is).</summary>
    public string? IndexServerAddress { get; set; }
    public RegistryServiceConfig? RegistryConfig { get; set; }
}

public sealed class SwarmInfo
{
    public string? LocalNodeState { get; set; }
    public bool ControlAvailable { get; set; }
    [JsonPropertyName("NodeID")]
    public string? NodeId { get; set; }
    public int? Nodes { get; set; }
    public int? Managers { get; set; }
}

/// <summary>The daemon's registry settings: mirrors and registries it reaches without TLS.</summary>
public sealed class RegistryServiceConfig
{
    public List<string>? Mirrors { get; set; }
    [JsonPropertyName("InsecureRegistryCIDRs")]
    public List<string>? InsecureRegistryCidrs { get; set; }
    public Dictionary<string, RegistryIndexInfo>? IndexConfigs { get; set; }
}

public sealed class RegistryIndexInfo
{
    public string? Name { get; set; }
    public List<string>? Mirrors { get; set; }
    public bool Secure { get; set; }
    public bool Official { get; set; }
}

/// <summary>One line of POST /images/create's progress stream.</summary>
public sealed class PullMessage
{
    [JsonPropertyName("status")]
    public string? Status { get; set; }
    [JsonPropertyName("id")]
    public string? Id { get; set; }
    [JsonPropertyName("progressDetail")]
    public PullProgressDetail? ProgressDetail { get; set; }
    [JsonPropertyName("error")]
    public string? Error { get; set; }
    [JsonPropertyName("errorDetail")]
    public ErrorResponse? ErrorDetail { get; set; }
}

public sealed class PullProgressDetail
{
    [JsonPropertyName("current")]
    public long? Current { get; set; }
    [JsonPropertyName("total")]
    public long? Total { get; set; }
}

/// <summary>The answer to POST /services/create and POST /containers/create.</summary>
public sealed class CreatedObject
{
    [JsonPropertyName("ID")]
    public string? Id { get; set; }
    public List<string>? Warnings { get; set; }
}

/// <summary>What the probe creates: a service or container that uses an image, and nothing more.</summary>
public sealed class ProbeServiceSpec
{
    public string Name { get; set; } = "";
    public Dictionary<string, string> Labels { get; set; } = [];
    public ProbeTaskTemplate TaskTemplate { get; set; } = new();
    public ServiceModeSpec Mode { get; set; } = new();
}

public sealed class ProbeTaskTemplate
{
    public ContainerSpec ContainerSpec { get; set; } = new();
    public ProbeRestartPolicy RestartPolicy { get; set; } = new();
}

public sealed class ProbeRestartPolicy
{
    public string Condition { get; set; } = "none";
}

public sealed class ProbeContainerConfig
{
    public string Image { get; set; } = "";
    public Dictionary<string, string> Labels { get; set; } = [];
    public ProbeHostConfig HostConfig { get; set; } = new();
}

public sealed class ProbeHostConfig
{
    public string NetworkMode { get; set; } = "none";
}

public sealed class VolumeSummary
{
    public string? Name { get; set; }
    public VolumeUsage? UsageData { get; set; }
}

public sealed class VolumeUsage
{
    public long Size { get; set; } = -1;
    public long RefCount { get; set; } = -1;
}

public sealed class ContainerSummary
{
    public string Id { get; set; } = "";
    public List<string>? Names { get; set; }
    public string? Image { get; set; }
    public string? ImageID { get; set; }
    public long Created { get; set; }
    public string? State { get; set; }

    /// <summary>"Up 3 seconds (health: starting)": API 1.41 lists health only here.</summary>
    public string? Status { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public long SizeRw { get; set; }
}

public sealed class ImageSummary
{
    public string Id { get; set; } = "";
    public string? ParentId { get; set; }
    public List<string>? RepoTags { get; set; }
    public List<string>? RepoDigests { get; set; }
    public long Created { get; set; }
    public long Size { get; set; }
    public long SharedSize { get; set; } = -1;
    public long Containers { get; set; } = -1;
}

public sealed class ImageInspect
{
    public string Id { get; set; } = "";
    public List<string>? RepoTags { get; set; }
    public string? Created { get; set; }
    public long Size { get; set; }
    public RootFs? RootFS { get; set; }
}

public sealed class RootFs
{
    public string? Type { get; set; }
    public List<string>? Layers { get; set; }
}

public sealed class ImageHistoryItem
{
    public string? Id { get; set; }
    public long Created { get; set; }
    public string? CreatedBy { get; set; }
    public long Size { get; set; }
}

public sealed class BuildCacheItem
{
    [JsonPropertyName("ID")]
    public string Id { get; set; } = "";
    public string? Type { get; set; }
    public string? Description { get; set; }
    public bool InUse { get; set; }
    public bool Shared { get; set; }
    public long Size { get; set; }
    public DateTimeOffset? CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}

/// <summary>
/// GET /system/df in both shapes: flat arrays (API &lt; 1.52) and the per-type usage objects with
/// Items (API 1.52 and later).
/// </summary>
public sealed class DiskUsageResponse
{
    /// <summary>Present in every answer before API 1.52.</summary>
    public long? LayersSize { get; set; }

    public List<ImageSummary>? Images { get; set; }
    public List<ContainerSummary>? Containers { get; set; }
    public List<BuildCacheItem>? BuildCache { get; set; }
    public List<VolumeSummary>? Volumes { get; set; }

    public UsageGroup<ImageSummary>? ImagesDiskUsage { get; set; }
    public UsageGroup<ContainerSummary>? ContainersDiskUsage { get; set; }
    public UsageGroup<BuildCacheItem>? BuildCacheDiskUsage { get; set; }
    public UsageGroup<VolumeSummary>? VolumesDiskUsage { get; set; }

    public IReadOnlyList<ImageSummary> AllImages => ImagesDiskUsage?.Items ?? Images ?? [];
    public IReadOnlyList<ContainerSummary> AllContainers => ContainersDiskUsage?.Items ?? Containers ?? [];
    public IReadOnlyList<BuildCacheItem> AllBuildCache => BuildCacheDiskUsage?.Items ?? BuildCache ?? [];
    public IReadOnlyList<VolumeSummary> AllVolumes => VolumesDiskUsage?.Items ?? Volumes ?? [];
}

public sealed class UsageGroup<T>
{
    public long TotalSize { get; set; }
    public long Reclaimable { get; set; }
    public List<T>? Items { get; set; }
}

public sealed class SwarmService
{
    [JsonPropertyName("ID")]
    public string Id { get; set; } = "";
    public DateTimeOffset? CreatedAt { get; set; }
    /// <summary>When the spec last changed (a scale, an update): shortness before it is moot.</summary>
    public DateTimeOffset? UpdatedAt { get; set; }
    public ServiceSpec? Spec { get; set; }
    public UpdateStatus? UpdateStatus { get; set; }
    public ServiceStatus? ServiceStatus { get; set; }
}

public sealed class ServiceSpec
{
    public string? Name { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public TaskTemplate? TaskTemplate { get; set; }
    public ServiceModeSpec? Mode { get; set; }
}

public sealed class TaskTemplate
{
    public ContainerSpec? ContainerSpec { get; set; }
}

public sealed class ContainerSpec
{
    public string? Image { get; set; }
    public List<string>? Command { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
}

public sealed class ServiceModeSpec
{
    public ReplicatedMode? Replicated { get; set; }
    public EmptyObject? Global { get; set; }
    public EmptyObject? ReplicatedJob { get; set; }
    public EmptyObject? GlobalJob { get; set; }
}

public sealed class ReplicatedMode
{
    public long? Replicas { get; set; }
}

public sealed class EmptyObject
{
}

public sealed class UpdateStatus
{
    public string? State { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
}

/// <summary>GET /tasks: only what tells when a service last had a task start running.</summary>
public sealed class SwarmTask
{
    [JsonPropertyName("ID")]
    public string Id { get; set; } = "";
    [JsonPropertyName("ServiceID")]
    public string? ServiceId { get; set; }
    public string? DesiredState { get; set; }
    public TaskStatus? Status { get; set; }
}

public sealed class TaskStatus
{
    public string? State { get; set; }
    public string? Err { get; set; }
    public DateTimeOffset? Timestamp { get; set; }
}

public sealed class ServiceStatus
{
    public long RunningTasks { get; set; }
    public long DesiredTasks { get; set; }
    public long CompletedTasks { get; set; }
}

public sealed class ContainerPruneResponse
{
    public List<string>? ContainersDeleted { get; set; }
    public long SpaceReclaimed { get; set; }
}

public sealed class ImagePruneResponse
{
    public List<ImageDeleteItem>? ImagesDeleted { get; set; }
    public long SpaceReclaimed { get; set; }
}

public sealed class BuildPruneResponse
{
    public List<string>? CachesDeleted { get; set; }
    public long SpaceReclaimed { get; set; }
}

public sealed class ImageDeleteItem
{
    public string? Untagged { get; set; }
    public string? Deleted { get; set; }
}

public sealed class ErrorResponse
{
    [JsonPropertyName("message")]
    public string? Message { get; set; }
}

public sealed class EngineEvent
{
    public string? Type { get; set; }
    public string? Action { get; set; }
    public EventActor? Actor { get; set; }
    [JsonPropertyName("time")]
    public long Time { get; set; }
    [JsonPropertyName("timeNano")]
    public long TimeNano { get; set; }
}

public sealed class EventActor
{
    [JsonPropertyName("ID")]
    public string? Id { get; set; }
    public Dictionary<string, string>? Attributes { get; set; }
}
