using Tidemark.Core.Inventory;

namespace Tidemark.Tests.Support;

/// <summary>Builds snapshots for policy tests: a fixed clock and terse factories.</summary>
public sealed class Scene
{
    public static readonly DateTimeOffset Now = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);

    private readonly List<ContainerRecord> _containers = [];
    private readonly List<ImageRecord> _images = [];
    private readonly List<ServiceRecord> _services = [];
    private readonly List<BuildCacheRecord> _cache = [];
    private DiskReading _disk = Disk(85);
    private SwarmRole _swarm = SwarmRole.Manager;

    public static DiskReading Disk(int usedPercent, long total = 100_000_000_000) =>
        new("/var/lib/docker", total, total - total * usedPercent / 100, total - total * usedPercent / 100, 1_000_000, 900_000);

    public static IReadOnlyDictionary<string, string> Labels(params (string Key, string Value)[] labels) =>
        labels.ToDictionary(l => l.Key, l => l.Value);

    public Scene WithDisk(DiskReading disk)
    {
        _disk = disk;
        return this;
    }

    public Scene WithSwarm(SwarmRole role)
    {
        _swarm = role;
        return this;
    }

    public Scene Image(string id, string? tag = null, TimeSpan? age = null, long size = 100, long shared = 0, string parent = "", string? digest = null)
    {
        _images.Add(new ImageRecord(id, parent, tag is null ? [] : [tag], digest is null ? [] : [digest],
            Now - (age ?? TimeSpan.FromDays(30)), size, shared));
        return this;
    }

    public Scene Container(string name, string imageId, ContainerState state, TimeSpan? age = null,
        IReadOnlyDictionary<string, string>? labels = null, long sizeRw = 10, ContainerHealth health = ContainerHealth.None)
    {
        _containers.Add(new ContainerRecord($"c-{name}", name, imageId, imageId, state, Now - (age ?? TimeSpan.FromDays(3)),
            labels ?? Labels(), sizeRw)
        { Health = health });
        return this;
    }

    public Scene Service(string name, string image = "app:1", long replicas = 1, long running = 1, long? desired = null,
        string? update = null, IReadOnlyDictionary<string, string>? labels = null, ServiceMode mode = ServiceMode.Replicated)
    {
        _services.Add(new ServiceRecord($"s-{name}", name, image, labels ?? Labels(), mode,
            mode == ServiceMode.Replicated ? replicas : null, running, desired ?? replicas, update));
        return this;
    }

    public Scene Cache(string id, TimeSpan age, long size = 1000, bool inUse = false, bool shared = false)
    {
        _cache.Add(new BuildCacheRecord(id, "regular", "step " + id, size, inUse, shared, Now - age - TimeSpan.FromHours(1), Now - age));
        return this;
    }

    public Snapshot Build() => new(Now, new DaemonFacts("20.10.24", "1.41", "/var/lib/docker", _swarm), _disk,
        _containers, _images, _services, _cache);
}
