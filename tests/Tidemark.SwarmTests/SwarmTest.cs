using System.Text.Json;
using Tidemark.Fixtures;

namespace Tidemark.SwarmTests;

/// <summary>Each test starts from a clean, healed swarm (<see cref="Bed.Reset"/>).</summary>
public abstract class SwarmTest : IDisposable
{
    /// <summary>The stack name of deploy/swarm/stack.yml's deployment, and its service.</summary>
    protected const string Stack = "tidemark";
    protected const string Service = "tidemark_tidemark";

    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    protected SwarmTest(Bed bed)
    {
        Bed = bed;
        bed.Reset();
        Step("bed reset");
        Dir = Directory.CreateDirectory(Path.Combine(bed.WorkDir, $"{GetType().Name}-{Guid.NewGuid():N}")).FullName;
    }

    protected Bed Bed { get; }

    protected Node Manager => Bed.Manager;

    /// <summary>This test's own directory (configs, ledgers, locks of the CLI runs).</summary>
    protected string Dir { get; }

    protected static DateTimeOffset Now => DateTimeOffset.UtcNow;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Notes in the test's output how long it has run (where the lane's minutes go).</summary>
    protected void Step(string what) =>
        TestContext.Current.TestOutputHelper?.WriteLine($"{_clock.Elapsed.TotalSeconds,6:0.0}s {what}");

    /// <summary>
    /// A config for a tidemark run from this process against <paramref name="node"/>'s socket:
    /// `[disk] path` is the node's data root as seen from here (the daemon's DockerRootDir is a
    /// path inside the node), min_age 1 s, and a ledger and lock of <paramref name="name"/>'s own.
    /// </summary>
    protected string CliConfig(Node node, string name, int high, int low)
    {
        var path = Path.Combine(Dir, $"{name}.toml");
        File.WriteAllText(path, $"""
            [disk]
            path = "{node.DataRoot}"
            high_watermark_percent = {high}
            low_watermark_percent = {low}
            [prune]
            min_age = "1s"
            [ledger]
            path = "{Path.Combine(Dir, name + "-ledger.json")}"
            [lock]
            path = "{Path.Combine(Dir, name + ".lock")}"
            """);
        return path;
    }

    /// <summary>
    /// The config shipped as the stack's swarm config: one for every node, as in production. A
    /// 2 s tick, min_age 1 s, and a metrics textfile beside the ledger (the node's state
    /// directory) whose tidemark_cycles_total counts every cycle, logged or not.
    /// </summary>
    protected static string StackConfig(int high, int low) => $"""
        [disk]
        high_watermark_percent = {high}
        low_watermark_percent = {low}
        [prune]
        min_age = "1s"
        [watch]
        interval = "2s"
        [metrics]
        file = "/var/lib/tidemark/tidemark.prom"
        """;

    /// <summary>
    /// deploy/swarm/stack.yml with the offline-built image, its variables set so that each node's
    /// task binds that node's own socket and data root (the same in-node paths on every node) and
    /// keeps its ledger and metrics in a state directory of this test. Waits until every node runs
    /// its task and has logged a first cycle. Returns the state directory's name.
    /// </summary>
    protected async Task<string> DeployTidemarkAsync(string toml)
    {
        var image = await Bed.TidemarkImageAsync(Ct);
        var state = $"stack-{Guid.NewGuid():N}"[..14];
        var inNode = Bed.Nodes.Select(n => n.StateDir(state)).Distinct().Single();
        var config = Path.Combine(Dir, "stack.toml");
        File.WriteAllText(config, toml);
        var env = new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = Manager.Host,
            ["DOCKER_SERVICE_PREFER_OFFLINE_IMAGE"] = "1",
            ["TIDEMARK_IMAGE"] = image,
            ["TIDEMARK_CONFIG_FILE"] = config,
            ["TIDEMARK_STATE_DIR"] = inNode,
            ["DOCKER_SOCKET"] = $"{Manager.InNodeDir}/docker.sock",
            ["DOCKER_DATA_ROOT"] = $"{Manager.InNodeDir}/data",
        };
        var deployed = Processes.Run("docker", env, Patience,
            "stack", "deploy", "--resolve-image", "never", "-c", Path.Combine(Bed.RepoRoot(), "deploy", "swarm", "stack.yml"), Stack);
        Assert.True(deployed.ExitCode == 0, deployed.Output);
        Step("stack deployed");
        foreach (var node in Bed.Nodes)
        {
            WaitFor(() => node.RunningTask(Service) is { } task && node.JsonLogs(task).Any(IsCycle), $"{node}: Tidemark's task running and a first cycle logged", node);
        }

        Step("Tidemark's task cycling on every node");
        return state;
    }

    protected static bool IsCycle(JsonElement line) => line.TryGetProperty("event", out var e) && e.GetString() == "cycle";

    protected static bool Reclaimed(JsonElement line) => IsCycle(line) && line.TryGetProperty("reclaimedBytes", out var r) && r.GetInt64() > 0;

    /// <summary>The JSON log lines of the Tidemark task running on <paramref name="node"/> (empty when none runs).</summary>
    protected static IReadOnlyList<JsonElement> TidemarkLogs(Node node) =>
        node.RunningTask(Service) is { } task ? node.JsonLogs(task) : [];

    /// <summary>Every cycle the node's Tidemark has run in this deployment, logged or not (its metrics textfile).</summary>
    protected static long Cycles(Node node, string state, string? outcome = null) =>
        Node.Counter(node.StateFile(state, "tidemark.prom"), "tidemark_cycles_total", outcome is null ? null : $"outcome=\"{outcome}\"");

    /// <summary>Image IDs removed by a cycle's actions.</summary>
    protected static IReadOnlyList<string> RemovedIds(JsonElement cycle) =>
        [.. cycle.GetProperty("actions").EnumerateArray()
            .SelectMany(a => a.GetProperty("items").EnumerateArray())
            .Select(i => i.GetProperty("id").GetString()!)];

    /// <summary>Waits for <paramref name="condition"/>; on timeout fails saying what was awaited, with the nodes' Tidemark logs.</summary>
    protected static void WaitFor(Func<bool> condition, string what, params Node[] logsOf) => WaitFor(condition, what, Patience, logsOf);

    protected static void WaitFor(Func<bool> condition, string what, TimeSpan timeout, params Node[] logsOf)
    {
        try
        {
            FixtureDocker.WaitUntil(condition, timeout);
        }
        catch (TimeoutException)
        {
            var logs = string.Join("\n", logsOf.Select(n => $"--- {n}:\n" + string.Join("\n", TidemarkLogs(n).Select(l => l.ToString()))));
            Assert.Fail($"not within {timeout.TotalSeconds:0}s: {what}\n{logs}");
        }
    }

    /// <summary>Loads the same generated images into each of <paramref name="nodes"/>: the same IDs everywhere.</summary>
    protected static async Task<IReadOnlyList<string>> LoadAsync(IEnumerable<Node> nodes, params FixtureImage[] images)
    {
        IReadOnlyList<string> ids = [];
        foreach (var node in nodes)
        {
            ids = await node.Docker.LoadAsync(images, Ct);
        }

        return ids;
    }

    public virtual void Dispose()
    {
        foreach (var node in Bed.Nodes)
        {
            node.RemoveBallast();
        }

        GC.SuppressFinalize(this);
    }
}
