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
    public LockSettings Lock { get; init; } = new();
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
}

public sealed record LockSettings
{
    public string Path { get; init; } = "/run/tidemark/tidemark.lock";
}
