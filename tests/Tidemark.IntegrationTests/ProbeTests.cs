using System.Globalization;
using Tidemark.Cli.Signals;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>`tidemark probe`: real pulls from the sandbox's registries, compared with what they served.</summary>
public sealed class ProbeTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    private string Registry => Sandbox.Registry;

    /// <summary>The plain registry behind nginx, which logs the bytes of every answer.</summary>
    private string LimitRegistry => Sandbox.LimitRegistry;

    private string AccessLog => Sandbox.LimitAccessLog;

    /// <summary>A Docker client config holding the authenticated registry's credentials inline, as `docker login` leaves it.</summary>
    internal static string LoginConfig(Sandbox sandbox)
    {
        var dir = Path.Combine(sandbox.WorkDir, "docker-config-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var auth = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{sandbox.AuthUser}:{sandbox.AuthPassword()}"));
        File.WriteAllText(Path.Combine(dir, "config.json"), "{\"auths\":{\"" + sandbox.AuthRegistry + "\":{\"auth\":\"" + auth + "\"}}}");
        return dir;
    }

    /// <summary>Loads an image of three layers, pushes it as <paramref name="remote"/>, and leaves nothing of it here.</summary>
    private async Task<string> StageAsync(string remote, string unique, string? dockerConfig = null)
    {
        await LoadAsync([FixtureImage.Tagged("probe/src:1", Now.AddDays(-1), new Layer($"{unique}-a", 3_000_000), new Layer($"{unique}-b", 2_000_000))]);
        Docker.Cli("tag", "probe/src:1", remote);
        Docker.Cli(dockerConfig is null ? ["push", remote] : ["--config", dockerConfig, "push", remote]);
        var id = Docker.Cli("image", "inspect", "--format", "{{.Id}}", remote).Trim();
        Docker.Reset();
        Assert.DoesNotContain(id, Docker.ImageIds());
        return id;
    }

    [Fact]
    public async Task A_cold_pull_downloads_every_layer_and_reports_the_bytes_the_registry_served()
    {
        var unique = Guid.NewGuid().ToString("N")[..8];
        var remote = $"{LimitRegistry}/probe/cold-{unique}:1";
        var configId = await StageAsync(remote, unique);
        var logStart = new FileInfo(AccessLog).Length;

        var run = await Sandbox.TidemarkAsync("probe", "--config", Sandbox.Config(QuietDisk), "--json", remote);

        Assert.True(run.ExitCode == 0, run.ToString());
        var first = run.Json.GetProperty("first");
        Assert.False(run.Json.GetProperty("presentBefore").GetBoolean());
        Assert.Equal(3, first.GetProperty("imageLayers").GetInt32());
        Assert.Equal(3, first.GetProperty("layersDownloaded").GetInt32());
        Assert.Equal(0, first.GetProperty("layersExisting").GetInt32());
        Assert.Equal(0, first.GetProperty("layersWithoutSize").GetInt32());

        // What nginx sent for the layer blobs of this repository (the config blob is the image ID).
        var served = ReadLog(logStart)
            .Where(l => l.Method == "GET" && l.Status == 200 && l.Uri.StartsWith($"/v2/probe/cold-{unique}/blobs/", StringComparison.Ordinal) && !l.Uri.EndsWith(configId, StringComparison.Ordinal))
            .ToList();
        Assert.Equal(3, served.Count);
        Assert.Equal(served.Sum(l => l.Bytes), first.GetProperty("bytesDownloaded").GetInt64());
    }

    [Fact]
    public async Task The_cycle_finds_the_cache_retained_downloads_nothing_warm_and_leaves_nothing_behind()
    {
        var unique = Guid.NewGuid().ToString("N")[..8];
        var remote = $"{Registry}/probe/cycle-{unique}:1";
        await StageAsync(remote, unique);

        var run = await Sandbox.TidemarkAsync("probe", "--config", Sandbox.Config(QuietDisk), "--json", "--cycle", remote);

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json;
        Assert.True(json.GetProperty("retained").GetBoolean());
        Assert.Equal(3, json.GetProperty("first").GetProperty("layersDownloaded").GetInt32());
        Assert.True(json.GetProperty("first").GetProperty("bytesDownloaded").GetInt64() > 0);
        Assert.Equal(0, json.GetProperty("second").GetProperty("layersDownloaded").GetInt32());
        Assert.Equal(0, json.GetProperty("second").GetProperty("bytesDownloaded").GetInt64());
        Assert.True(json.GetProperty("presentAfterTeardown").GetBoolean());
        Assert.Equal("service", json.GetProperty("deploy").GetProperty("kind").GetString());
        Assert.True(json.GetProperty("redeploy").GetProperty("removed").GetBoolean());
        Assert.Empty(Docker.Lines("service", "ls", "-q", "--filter", "label=tidemark.probe"));
        Assert.Empty(Docker.Lines("ps", "-aq", "--filter", "label=tidemark.probe"));
        Assert.Contains($"{remote}", Docker.Tags());
    }

    [Fact]
    public async Task A_cycle_with_containers_outside_swarm_leaves_no_container_and_keeps_the_image()
    {
        var unique = Guid.NewGuid().ToString("N")[..8];
        var remote = $"{Registry}/probe/plain-{unique}:1";
        await StageAsync(remote, unique);

        var run = await Sandbox.TidemarkAsync("probe", "--config", Sandbox.Config(QuietDisk), "--cycle", "--deploy", "container", remote);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("verdict: cache retained", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("pull cold:", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("pull warm:", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("(not started)", run.Stdout, StringComparison.Ordinal);
        Assert.Empty(Docker.Lines("ps", "-aq", "--filter", "label=tidemark.probe"));
        Assert.Contains(remote, Docker.Tags());
    }

    [Fact]
    public async Task Probe_pulls_with_the_configured_credentials_and_without_them_names_the_registry_that_refused()
    {
        var unique = Guid.NewGuid().ToString("N")[..8];
        var remote = $"{Sandbox.AuthRegistry}/probe/auth-{unique}:1";
        var login = LoginConfig(Sandbox);
        await StageAsync(remote, unique, login);

        var refused = await Sandbox.TidemarkAsync("probe", "--config", Sandbox.Config(QuietDisk + "[registry]\ndocker_config = \"/nonexistent\"\n", "anonymous.toml"), remote);
        Assert.True(refused.ExitCode == 77, refused.ToString());
        Assert.Contains($"registry {Sandbox.AuthRegistry} refused authentication for {remote}", refused.Stdout, StringComparison.Ordinal);

        var run = await Sandbox.TidemarkAsync("probe", "--config", Sandbox.Config(QuietDisk + $"[registry]\ndocker_config = \"{login}\"\n"), "--cycle", remote);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"credentials: user {Sandbox.AuthUser} (inline auth)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("verdict: cache retained", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Sandbox.AuthPassword(), run.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signal_while_the_deploy_is_being_created_still_leaves_nothing_behind()
    {
        var unique = Guid.NewGuid().ToString("N")[..8];
        var remote = $"{Registry}/probe/signal-{unique}:1";
        await StageAsync(remote, unique);
        await using var proxy = FaultProxy.Start(Docker.SocketPath, Path.Combine(Sandbox.WorkDir, $"proxy-{unique}.sock"));
        // The daemon gets the create only after 4 s: a signal in that window used to abandon the
        // request, and the daemon created the service after the probe had cleaned up.
        proxy.Add(new FaultRule(Fault.Delay(TimeSpan.FromSeconds(4))) { Method = "POST", Path = new System.Text.RegularExpressions.Regex("^/services/create$") });
        using var shutdown = Shutdown.Manual();

        var probe = Sandbox.TidemarkAsync(shutdown, new Dictionary<string, string> { ["DOCKER_HOST"] = proxy.Host },
            "probe", "--config", Sandbox.Config(QuietDisk), "--cycle", remote);
        // The pull is done and the image inspected: the create comes next.
        FixtureDocker.WaitUntil(() => proxy.Calls.SkipWhile(c => !c.Path.Contains("/images/create", StringComparison.Ordinal))
            .Any(c => c.Method == "GET" && c.Path.Contains("/images/", StringComparison.Ordinal) && c.Path.Contains("/json", StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(1.5), TestContext.Current.CancellationToken);
        shutdown.Request(Shutdown.SigTerm);
        var run = await probe;

        Assert.True(run.ExitCode == 143, run.ToString());
        Assert.Contains("everything it created is removed again", run.Stderr, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.Empty(Docker.Lines("service", "ls", "-q", "--filter", "label=tidemark.probe"));
        Assert.Empty(Docker.Lines("ps", "-aq", "--filter", "label=tidemark.probe"));
        Assert.Contains(remote, Docker.Tags());
    }

    [Fact]
    public async Task A_cycle_whose_deploy_fails_is_inconclusive_and_exits_69()
    {
        // An image with no command at all: a container cannot even be created from it.
        var unique = Guid.NewGuid().ToString("N")[..8];
        var remote = $"{Registry}/probe/nocmd-{unique}:1";
        var tar = Path.Combine(Sandbox.WorkDir, $"nocmd-{unique}.tar");
        using (var stream = File.Create(tar))
        using (var writer = new System.Formats.Tar.TarWriter(stream))
        {
            writer.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "hello") { DataStream = new MemoryStream("hi"u8.ToArray()) });
        }

        Docker.Cli("import", tar, remote);
        Docker.Cli("push", remote);
        Docker.Cli("rmi", remote);

        var run = await Sandbox.TidemarkAsync("probe", "--config", Sandbox.Config(QuietDisk), "--cycle", "--deploy", "container", remote);

        Assert.True(run.ExitCode == 69, run.ToString());
        Assert.Contains("verdict: inconclusive: the deploy failed", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("cache retained", run.Stdout, StringComparison.Ordinal);
        Assert.Empty(Docker.Lines("ps", "-aq", "--filter", "label=tidemark.probe"));
    }

    [Fact]
    public async Task A_missing_image_and_an_unreachable_registry_are_told_apart_and_each_names_its_registry()
    {
        var config = Sandbox.Config(QuietDisk);

        var missing = await Sandbox.TidemarkAsync("probe", "--config", config, $"{Registry}/probe/never-pushed:1");
        Assert.True(missing.ExitCode == 66, missing.ToString());
        Assert.Contains($"registry {Registry} has no image {Registry}/probe/never-pushed:1", missing.Stdout, StringComparison.Ordinal);

        var unreachable = await Sandbox.TidemarkAsync("probe", "--config", config, "--json", "127.0.0.1:1/probe/x:1");
        Assert.True(unreachable.ExitCode == 69, unreachable.ToString());
        Assert.Equal("unreachable", unreachable.Json.GetProperty("first").GetProperty("failure").GetString());
        Assert.Contains("registry 127.0.0.1:1 could not be reached", unreachable.Json.GetProperty("first").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private sealed record LogLine(string Method, int Status, long Bytes, string Uri);

    /// <summary>The access log from <paramref name="offset"/>: "TIME METHOD STATUS BYTES URI" per request.</summary>
    private IEnumerable<LogLine> ReadLog(long offset)
    {
        using var stream = new FileStream(AccessLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var lines = new List<LogLine>();
        while (reader.ReadLine() is { } line)
        {
            var f = line.Split(' ');
            if (f.Length >= 5)
            {
                lines.Add(new LogLine(f[1], int.Parse(f[2], CultureInfo.InvariantCulture), long.Parse(f[3], CultureInfo.InvariantCulture), f[4]));
            }
        }

        return lines;
    }
}
