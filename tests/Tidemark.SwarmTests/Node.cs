using System.Globalization;
using System.Text.Json;
using Tidemark.Docker.Host;
using Tidemark.Fixtures;

namespace Tidemark.SwarmTests;

/// <summary>
/// One node of the bed, from its `scripts/swarm3 env N` lines: its daemon (a socket this test
/// process reaches), its data root as seen from here, and the same directory as the node's own
/// daemon sees it (<see cref="InNodeDir"/>, equal on every node).
/// </summary>
public sealed class Node : IDisposable
{
    public const string Ballast = "tidemark-swarm-test-ballast";

    public Node(int number, IReadOnlyDictionary<string, string> env)
    {
        string Get(string key) => env.TryGetValue(key, out var value) && value.Length > 0
            ? value
            : throw new InvalidOperationException($"scripts/swarm3 env {number} did not print {key}");

        Number = number;
        Docker = new FixtureDocker(Get("DOCKER_HOST")["unix://".Length..]);
        Hostname = Get("TIDEMARK_SWARM3_HOSTNAME");
        DataRoot = Get("TIDEMARK_SWARM3_DATA_ROOT");
        Dir = Path.GetDirectoryName(DataRoot)!;
        InNodeDir = Get("TIDEMARK_SWARM3_NODE_DIR");
    }

    public int Number { get; }

    public FixtureDocker Docker { get; }

    public string Host => Docker.Host;

    /// <summary>The node's hostname, as `node.hostname==…` constraints name it.</summary>
    public string Hostname { get; }

    /// <summary>The node's loop-mounted data root, as this process sees it (fill it, measure it).</summary>
    public string DataRoot { get; }

    /// <summary>The node's directory here: its socket, its data root, the tests' state directories.</summary>
    public string Dir { get; }

    /// <summary><see cref="Dir"/> as the node's daemon sees it: the same path on every node.</summary>
    public string InNodeDir { get; }

    public override string ToString() => $"node {Number} ({Hostname})";

    /// <summary>
    /// A directory for one test on this node (created here); returns the path the node's daemon
    /// knows it by, the same on every node, for a bind mount's source.
    /// </summary>
    public string StateDir(string name)
    {
        Directory.CreateDirectory(Path.Combine(Dir, "tests", name));
        return $"{InNodeDir}/tests/{name}";
    }

    /// <summary>A file in <see cref="StateDir"/>, read from here.</summary>
    public string StateFile(string name, string file) => Path.Combine(Dir, "tests", name, file);

    public (long Used, long Capacity) Usage()
    {
        if (!StatVfs.TryRead(DataRoot, out var disk, out var error))
        {
            throw new InvalidOperationException(error);
        }

        return (disk.UsedBytes, disk.UsedBytes + disk.AvailableBytes);
    }

    /// <summary>Used percent of the data root as df prints it.</summary>
    public int UsedPercent()
    {
        var (used, capacity) = Usage();
        return (int)Math.Ceiling(used * 100.0 / capacity);
    }

    /// <summary>Fills the data root to at least <paramref name="percent"/> with a ballast file (real blocks, not sparse).</summary>
    public void FillTo(int percent)
    {
        var ballast = Path.Combine(DataRoot, Ballast);
        File.Delete(ballast);
        var (used, capacity) = Usage();
        var wanted = (long)(capacity * (percent + 0.5) / 100.0) - used;
        using var f = new FileStream(ballast, FileMode.Create);
        var block = new byte[1 << 20];
        for (long done = 0; done < wanted; done += block.Length)
        {
            f.Write(block, 0, (int)Math.Min(block.Length, wanted - done));
        }

        f.Flush(flushToDisk: true);
    }

    public void RemoveBallast() => File.Delete(Path.Combine(DataRoot, Ballast));

    public IReadOnlySet<string> Tags() => Docker.Tags();

    /// <summary>IDs of the containers of a swarm service on this node (all states).</summary>
    public IReadOnlyList<string> TaskContainers(string service) =>
        Docker.Lines("ps", "-a", "-q", "--no-trunc", "--filter", $"label=com.docker.swarm.service.name={service}");

    /// <summary>The running container of a service on this node, or null.</summary>
    public string? RunningTask(string service) =>
        Docker.Lines("ps", "-q", "--no-trunc", "--filter", $"label=com.docker.swarm.service.name={service}").SingleOrDefault();

    public JsonElement Inspect(string container) =>
        JsonDocument.Parse(Docker.Cli("container", "inspect", container)).RootElement[0].Clone();

    /// <summary>
    /// A container's JSON log lines (`docker logs` through this node's own socket: it works on a
    /// worker, where `docker service logs` does not).
    /// </summary>
    public IReadOnlyList<JsonElement> JsonLogs(string container)
    {
        var (_, output) = Docker.TryCli("logs", container);
        var lines = new List<JsonElement>();
        foreach (var line in output.Split('\n'))
        {
            if (!line.StartsWith('{'))
            {
                continue;
            }

            try
            {
                lines.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
            catch (JsonException)
            {
                // Not one of Tidemark's JSON lines.
            }
        }

        return lines;
    }

    /// <summary>Sums a counter in a Prometheus textfile (every label set), 0 when the file or series is absent.</summary>
    public static long Counter(string file, string series, string? label = null)
    {
        if (!File.Exists(file))
        {
            return 0;
        }

        long total = 0;
        foreach (var line in File.ReadLines(file))
        {
            if (line.StartsWith(series, StringComparison.Ordinal) && (line.Length == series.Length || line[series.Length] is '{' or ' ')
                && (label is null || line.Contains(label, StringComparison.Ordinal)))
            {
                total += (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    /// <summary>Removes every container by force; returns how many there were.</summary>
    public int RemoveContainers()
    {
        var containers = Docker.Lines("container", "ls", "-a", "-q");
        if (containers.Count > 0)
        {
            Docker.TryCli(["container", "rm", "-f", "-v", .. containers]);
        }

        return containers.Count;
    }

    /// <summary>No container, no image but <paramref name="keepImage"/>, no volume, no ballast, no test state.</summary>
    public void Reset(string? keepImage)
    {
        RemoveBallast();
        RemoveContainers();

        var keep = keepImage is null ? null : Docker.TryCli("image", "inspect", "--format", "{{.Id}}", keepImage) is (0, var id) ? id : null;
        var images = Docker.Lines("image", "ls", "-a", "-q", "--no-trunc").Distinct().Where(i => i != keep).ToList();
        if (images.Count > 0)
        {
            Docker.TryCli(["image", "rm", "-f", .. images]);
        }

        var volumes = Docker.Lines("volume", "ls", "-q");
        if (volumes.Count > 0)
        {
            Docker.TryCli(["volume", "rm", "-f", .. volumes]);
        }

        if (Directory.Exists(Path.Combine(Dir, "tests")))
        {
            Directory.Delete(Path.Combine(Dir, "tests"), recursive: true);
        }
    }

    public void Dispose() => Docker.Dispose();
}
