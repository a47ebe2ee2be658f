using System.Text.Json;
using Tidemark.Cli;
using Tidemark.Cli.Output;
using Tidemark.Cli.Signals;
using Tidemark.Docker.Host;
using Tidemark.Fixtures;

[assembly: AssemblyFixture(typeof(Tidemark.IntegrationTests.Sandbox))]
// The tests share one daemon and each resets it: they must not run at the same time.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

namespace Tidemark.IntegrationTests;

/// <summary>
/// The sandbox daemon started by scripts/test (scripts/sandbox up): DOCKER_HOST points at it and
/// TIDEMARK_SANDBOX_DATA_ROOT names its loop-mounted data root.
/// </summary>
public sealed class Sandbox : IDisposable
{
    public Sandbox()
    {
        Docker = FixtureDocker.FromEnvironment();
        DataRoot = Environment.GetEnvironmentVariable("TIDEMARK_SANDBOX_DATA_ROOT")
            ?? throw new InvalidOperationException("TIDEMARK_SANDBOX_DATA_ROOT is not set: run the tests through scripts/test");
        WorkDir = Directory.CreateTempSubdirectory("tidemark-it-").FullName;
        Docker.Reset();
    }

    public FixtureDocker Docker { get; }

    public string DataRoot { get; }

    public string WorkDir { get; }

    /// <summary>The plain registry (no authentication, no limit headers): host:port.</summary>
    public string Registry => Env("TIDEMARK_SANDBOX_REGISTRY", "127.0.0.1:5000");

    /// <summary>The registry with htpasswd authentication (scripts/sandbox: registry port + 100).</summary>
    public string AuthRegistry => Env("TIDEMARK_SANDBOX_AUTH_REGISTRY", "127.0.0.1:5100");

    public string AuthUser => Env("TIDEMARK_SANDBOX_AUTH_USER", "tidemark-test");

    /// <summary>The file holding the authenticated registry's password (mode 0600); the password itself is never in the environment.</summary>
    public string AuthPasswordFile => Env("TIDEMARK_SANDBOX_AUTH_PASSWORD_FILE", Path.Combine(SandboxDir, "auth-registry.password"));

    public string AuthPassword() => File.ReadAllText(AuthPasswordFile).Trim();

    /// <summary>nginx in front of the plain registry adding ratelimit-* headers to manifest answers (registry port + 200).</summary>
    public string LimitRegistry => Env("TIDEMARK_SANDBOX_LIMIT_REGISTRY", "127.0.0.1:5200");

    /// <summary>Its access log: TIME METHOD STATUS BODY_BYTES URI, one request a line.</summary>
    public string LimitAccessLog => Env("TIDEMARK_SANDBOX_LIMIT_ACCESS_LOG", Path.Combine(SandboxDir, "limit-registry-access.log"));

    private static string SandboxDir => Env("TIDEMARK_SANDBOX_DIR", "/var/tmp/tidemark-sandbox");

    private static string Env(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    /// <summary>Writes a config file for one test; the lock lives in the test's own directory.</summary>
    public string Config(string toml, string name = "tidemark.toml")
    {
        var dir = Directory.CreateDirectory(Path.Combine(WorkDir, $"cfg-{Guid.NewGuid():N}")).FullName;
        var path = Path.Combine(dir, name);
        // A test that sets its own [lock] or [ledger] keeps it.
        var own = (toml.Contains("[lock]", StringComparison.Ordinal) ? "" : $"[lock]\npath = \"{dir}/tidemark.lock\"\n")
            + (toml.Contains("[ledger]", StringComparison.Ordinal) ? "" : $"[ledger]\npath = \"{dir}/ledger.json\"\n");
        File.WriteAllText(path, $"{own}\n{toml}");
        return path;
    }

    /// <summary>The repository checkout the tests run from (for scripts/sandbox).</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "sandbox")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find scripts/sandbox above " + AppContext.BaseDirectory);
    }

    /// <summary>Uses percent of the data root as df prints it.</summary>
    public int UsedPercent()
    {
        var (used, capacity) = Usage();
        return (int)Math.Ceiling(used * 100.0 / capacity);
    }

    /// <summary>Runs the CLI in this process against the sandbox, as the binary would run.</summary>
    public async Task<CliRun> TidemarkAsync(params string[] args) => await TidemarkAsync(new Dictionary<string, string>(), args);

    public async Task<CliRun> TidemarkAsync(IReadOnlyDictionary<string, string> env, params string[] args) =>
        await TidemarkAsync(Shutdown.Manual(), env, args);

    /// <summary>The same, with a <paramref name="shutdown"/> the test can trigger as a signal would.</summary>
    public async Task<CliRun> TidemarkAsync(Shutdown shutdown, IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var environment = new Dictionary<string, string>(env);
        environment.TryAdd("DOCKER_HOST", Docker.Host);
        var console = new CliConsole(stdout, stderr, k => environment.TryGetValue(k, out var v) ? v : null, Colour: false);
        var code = await TidemarkCli.RunAsync(args, console, TimeProvider.System, shutdown);
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Fills the data root's file system to at least <paramref name="percent"/> with a ballast file.</summary>
    public string FillTo(int percent)
    {
        var ballast = Path.Combine(DataRoot, "tidemark-test-ballast");
        File.Delete(ballast);
        var (used, capacity) = Usage();
        var wanted = (long)(capacity * (percent + 1) / 100.0) - used;
        if (wanted > 0)
        {
            using var f = new FileStream(ballast, FileMode.Create);
            // Written, not sparse: real blocks are what statvfs (and the gate) sees.
            var block = new byte[1 << 20];
            for (long done = 0; done < wanted; done += block.Length)
            {
                f.Write(block, 0, (int)Math.Min(block.Length, wanted - done));
            }

            f.Flush(flushToDisk: true);
        }

        return ballast;
    }

    /// <summary>
    /// Replaces the ballast so that about <paramref name="bytes"/> stay available (as statvfs
    /// reports them to an unprivileged writer); returns what is available now.
    /// </summary>
    public long LeaveAvailable(long bytes)
    {
        RemoveBallast();
        if (!StatVfs.TryRead(DataRoot, out var disk, out var error))
        {
            throw new InvalidOperationException(error);
        }

        var wanted = disk.AvailableBytes - bytes;
        if (wanted > 0)
        {
            using var f = new FileStream(Path.Combine(DataRoot, "tidemark-test-ballast"), FileMode.Create);
            var block = new byte[1 << 20];
            for (long done = 0; done < wanted; done += block.Length)
            {
                f.Write(block, 0, (int)Math.Min(block.Length, wanted - done));
            }

            f.Flush(flushToDisk: true);
        }

        return StatVfs.TryRead(DataRoot, out var after, out _) ? after.AvailableBytes : 0;
    }

    public void RemoveBallast() => File.Delete(Path.Combine(DataRoot, "tidemark-test-ballast"));

    public (long Used, long Capacity) Usage()
    {
        if (!StatVfs.TryRead(DataRoot, out var disk, out var error))
        {
            throw new InvalidOperationException(error);
        }

        return (disk.UsedBytes, disk.UsedBytes + disk.AvailableBytes);
    }

    public void Dispose()
    {
        RemoveBallast();
        Docker.Reset();
        Docker.Dispose();
        Directory.Delete(WorkDir, recursive: true);
    }
}

public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;

    public JsonElement Gate(string name) => Json.GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("name").GetString() == name);

    public IReadOnlyList<JsonElement> Actions => Json.GetProperty("actions").EnumerateArray().ToList();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}
