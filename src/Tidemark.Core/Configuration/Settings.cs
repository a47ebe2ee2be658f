namespace Tidemark.Core.Configuration;

/// <summary>
/// Everything Tidemark can be told. Every property has the documented default, so an absent
/// config file means <see cref="Default"/>. Loading and validating a file is the CLI's job.
/// </summary>
public sealed record Settings
{
    public static Settings Default { get; } = new();

    public DockerSettings Docker { get; init; } = new();
    public DiskSettings Disk { get; init; } = new();
    public BusySettings Busy { get; init; } = new();
    public PruneSettings Prune { get; init; } = new();
    public LedgerSettings Ledger { get; init; } = new();
    public WatchSettings Watch { get; init; } = new();
    public ConvergeSettings Converge { get; init; } = new();
    public MetricsSettings Metrics { get; init; } = new();
    public LockSettings Lock { get; init; } = new();
    public RegistrySettings Registry { get; init; } = new();
    public SwarmSettings Swarm { get; init; } = new();
}

public sealed record SwarmSettings
{
    /// <summary>
    /// On a swarm worker (which cannot read service specs), how long after a service's task last
    /// ran here its image is still kept as that service's.
    /// </summary>
    public TimeSpan WorkerServiceMemory { get; init; } = TimeSpan.FromDays(7);
}

public sealed record DockerSettings
{
    public string Host { get; init; } = "unix:///var/run/docker.sock";
}

public sealed record DiskSettings
{
    /// <summary>Empty means the daemon's DockerRootDir.</summary>
    public string Path { get; init; } = "";
    public int HighWatermarkPercent { get; init; } = 80;
    public int LowWatermarkPercent { get; init; } = 70;

    /// <summary>Null means the same as the byte watermark.</summary>
    public int? InodeHighWatermarkPercent { get; init; }

    /// <summary>Null means the same as the byte watermark.</summary>
    public int? InodeLowWatermarkPercent { get; init; }

    /// <summary>
    /// At or above this, stage 2 does not wait for idleness or min_age: it removes images no
    /// container uses (never in flight, never protected or named by a service). 100 disables it.
    /// Null means 90, or the high watermark when that is higher.
    /// </summary>
    public int? CriticalWatermarkPercent { get; init; }

    public int Critical => CriticalWatermarkPercent ?? Math.Max(90, HighWatermarkPercent);

    public int InodeHigh => InodeHighWatermarkPercent ?? HighWatermarkPercent;

    public int InodeLow => InodeLowWatermarkPercent ?? LowWatermarkPercent;
}

public sealed record BusySettings
{
    public IReadOnlyList<string> StackPatterns { get; init; } = [];
    public IReadOnlyList<string> ServicePatterns { get; init; } = [];
    public IReadOnlyList<string> ContainerPatterns { get; init; } = [];
    public IReadOnlyList<string> Labels { get; init; } = ["tidemark.busy"];
}

public sealed record PruneSettings
{
    public TimeSpan MinAge { get; init; } = TimeSpan.FromHours(24);
    public IReadOnlyList<string> Protect { get; init; } = [];

    /// <summary>Stage 2: unused tagged images, least valuable first, down to the low watermark.</summary>
    public bool Stage2 { get; init; } = true;

    /// <summary>Stage 2's eviction order: "predicted-reuse" (default) or "lru".</summary>
    public string EvictionOrder { get; init; } = "predicted-reuse";

    /// <summary>Under critical pressure, images used more recently than this are in flight and kept.</summary>
    public TimeSpan CriticalMinAge { get; init; } = TimeSpan.FromMinutes(10);
}

public sealed record LedgerSettings
{
    public string Path { get; init; } = "/var/lib/tidemark/ledger.json";
}

public sealed record WatchSettings
{
    /// <summary>How often watch mode re-checks the disk when no event prompts it.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);
}

public sealed record ConvergeSettings
{
    /// <summary>
    /// A service converging for longer than this (an image that does not exist, a constraint no
    /// node meets) no longer holds the converge gate. Zero: wait for ever (until critical pressure).
    /// </summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Regexes on service names that never hold the converge gate (known to be flaky).</summary>
    public IReadOnlyList<string> IgnoreServices { get; init; } = [];
}

public sealed record MetricsSettings
{
    /// <summary>A node_exporter textfile-collector file written after each run or cycle; empty: none.</summary>
    public string File { get; init; } = "";

    /// <summary>Where watch serves GET /metrics ("127.0.0.1:9477"); empty: it does not.</summary>
    public string Listen { get; init; } = "";
}

public sealed record LockSettings
{
    public string Path { get; init; } = "/run/tidemark/tidemark.lock";
}

public sealed record RegistrySettings
{
    /// <summary>
    /// The Docker client configuration (config.json, or the directory holding it) whose registry
    /// credentials the daemon's pulls use: doctor reports them and probe sends them. Empty means
    /// $DOCKER_CONFIG/config.json, else ~/.docker/config.json of the user running Tidemark.
    /// </summary>
    public string DockerConfig { get; init; } = "";
}
