using System.Net.Http.Headers;
using Tidemark.Docker.Api;

[assembly: AssemblyFixture(typeof(Tidemark.SwarmTests.Bed))]
// The tests share one swarm and each resets it: they must not run at the same time.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

namespace Tidemark.SwarmTests;

/// <summary>
/// The three-node swarm of scripts/swarm3, which scripts/test brings up (and always down): this
/// fixture starts nothing. TIDEMARK_SWARM3_DIR (and TIDEMARK_SWARM3_SUBNET, when not the default)
/// name the bed; each node's paths come from `scripts/swarm3 env N`.
/// </summary>
public sealed class Bed : IDisposable
{
    private readonly SemaphoreSlim _imageLock = new(1, 1);
    private string? _image;

    public Bed()
    {
        if (Environment.GetEnvironmentVariable("TIDEMARK_SWARM3_DIR") is not { Length: > 0 })
        {
            throw new InvalidOperationException("TIDEMARK_SWARM3_DIR is not set: run the tests through scripts/test --swarm, or eval \"$(scripts/swarm3 up)\" first");
        }

        Nodes = [.. Enumerable.Range(1, 3).Select(n => new Node(n, Swarm3Env(n)))];
        WorkDir = Directory.CreateTempSubdirectory("tidemark-swarm-").FullName;
    }

    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>Node 1.</summary>
    public Node Manager => Nodes[0];

    public string WorkDir { get; }

    /// <summary>Node <paramref name="number"/> (1 is the manager, 2 and 3 workers).</summary>
    public Node Node(int number) => Nodes[number - 1];

    /// <summary>The repository checkout the tests run from (for scripts/swarm3, scripts/image and the stack file).</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "swarm3")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find scripts/swarm3 above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs scripts/swarm3 (cut, heal, crash, env); throws with its output when it fails.</summary>
    public static string Swarm3(params string[] args)
    {
        var result = Processes.Run(Path.Combine(RepoRoot(), "scripts", "swarm3"), new Dictionary<string, string>(), TimeSpan.FromMinutes(2), args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/swarm3 {string.Join(' ', args)} exited {result.ExitCode}: {result.Output}");
        }

        return result.Stdout;
    }

    private static Dictionary<string, string> Swarm3Env(int node)
    {
        var env = new Dictionary<string, string>();
        foreach (var line in Swarm3("env", node.ToString(System.Globalization.CultureInfo.InvariantCulture)).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var assignment = line.StartsWith("export ", StringComparison.Ordinal) ? line["export ".Length..] : line;
            var eq = assignment.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                env[assignment[..eq]] = assignment[(eq + 1)..];
            }
        }

        return env;
    }

    /// <summary>
    /// Back to a clean swarm: every node healed and in the swarm, no stack, service or container,
    /// no image but Tidemark's own, no ballast. The tests own the bed, so this may force.
    /// </summary>
    public void Reset()
    {
        foreach (var node in Nodes)
        {
            Swarm3("heal", node.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (var stack in Manager.Docker.Lines("stack", "ls", "--format", "{{.Name}}"))
        {
            Manager.Docker.TryCli("stack", "rm", stack);
        }

        var services = Manager.Docker.Lines("service", "ls", "-q");
        if (services.Count > 0)
        {
            Manager.Docker.TryCli(["service", "rm", .. services]);
        }

        // Swarm would stop the tasks gracefully (a test's sleep ignores SIGTERM for its whole
        // grace period): force them, and wait until no agent has a task container left.
        foreach (var node in Nodes)
        {
            node.RemoveContainers();
        }

        foreach (var node in Nodes)
        {
            Tidemark.Fixtures.FixtureDocker.WaitUntil(() => node.RemoveContainers() == 0, TimeSpan.FromSeconds(60));
            node.Reset(keepImage: _image);
        }

        foreach (var config in Manager.Docker.Lines("config", "ls", "-q"))
        {
            Manager.Docker.TryCli("config", "rm", config);
        }

        // A stack's network can outlive `stack rm` for a moment (its tasks still stopping); a
        // deploy that finds it half removed fails with "network … not found". Wait until none is left.
        Tidemark.Fixtures.FixtureDocker.WaitUntil(() =>
        {
            var left = Manager.Docker.Lines("network", "ls", "--filter", "type=custom", "--format", "{{.Name}}")
                .Where(n => n is not ("docker_gwbridge" or "ingress")).ToList();
            foreach (var network in left)
            {
                Manager.Docker.TryCli("network", "rm", network);
            }

            return left.Count == 0;
        }, TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Tidemark's image, built offline by scripts/image on the manager (once per run) and loaded
    /// into the workers from it: nothing is pulled. Returns its tag.
    /// </summary>
    public async Task<string> TidemarkImageAsync(CancellationToken ct)
    {
        await _imageLock.WaitAsync(ct);
        try
        {
            if (_image is null)
            {
                var built = Processes.Run(Path.Combine(RepoRoot(), "scripts", "image"), new Dictionary<string, string> { ["DOCKER_HOST"] = Manager.Host },
                    TimeSpan.FromMinutes(5));
                Assert.True(built.ExitCode == 0, built.Output);
                _image = built.Stdout.Trim().Split('\n')[^1];
            }

            foreach (var node in Nodes.Skip(1))
            {
                if (!node.Tags().Contains(_image))
                {
                    await CopyImageAsync(Manager, node, _image, ct);
                }
            }

            return _image;
        }
        finally
        {
            _imageLock.Release();
        }
    }

    /// <summary>docker save on one node piped into docker load on another, through the Engine API.</summary>
    private static async Task CopyImageAsync(Node from, Node to, string image, CancellationToken ct)
    {
        using var source = UnixSocketHttp.Create(from.Docker.SocketPath);
        using var target = UnixSocketHttp.Create(to.Docker.SocketPath);
        using var saved = await source.GetAsync($"v1.41/images/get?names={Uri.EscapeDataString(image)}", HttpCompletionOption.ResponseHeadersRead, ct);
        saved.EnsureSuccessStatusCode();
        await using var archive = await saved.Content.ReadAsStreamAsync(ct);
        using var content = new StreamContent(archive);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var loaded = await target.PostAsync("v1.41/images/load?quiet=1", content, ct);
        var text = await loaded.Content.ReadAsStringAsync(ct);
        if (!loaded.IsSuccessStatusCode || text.Contains("\"error", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"loading {image} into node {to.Number} failed: {(int)loaded.StatusCode} {text}");
        }
    }

    /// <summary>The bed itself is scripts/test's to take down: each test resets it when it starts.</summary>
    public void Dispose()
    {
        foreach (var node in Nodes)
        {
            node.Dispose();
        }

        _imageLock.Dispose();
        Directory.Delete(WorkDir, recursive: true);
    }
}
