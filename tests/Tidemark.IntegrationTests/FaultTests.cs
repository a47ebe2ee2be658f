using System.Text.Json;
using System.Text.RegularExpressions;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>
/// Issue 7's harness: the fault proxy between Tidemark and the daemon. A 500, a closed connection
/// or garbage from any endpoint Tidemark reads stops the run before anything is removed, with exit
/// 69 and the endpoint named; a fault during removals ends in a partial report and a non-zero
/// exit; a removal raced by a new container is a 409 skip, never forced.
/// </summary>
public sealed class FaultTests : IntegrationTest, IAsyncDisposable
{
    private static readonly Layer Base = new("flt-base", 2_000_000);

    /// <summary>Every endpoint a run under pressure reads, and a word its error must name.</summary>
    public static readonly TheoryData<string, string> ReadEndpoints = new()
    {
        { "^/_ping$", "_ping" },
        { "^/info$", "/info" },
        { "^/containers/json$", "containers/json" },
        { "^/images/json$", "images/json" },
        { "^/system/df$", "system/df" },
        { "^/services$", "/services" },
        { "^/events$", "events" },
        { "^/images/.+/json$", "/json" },
        { "^/images/.+/history$", "/history" },
    };

    private readonly FaultProxy _proxy;

    public FaultTests(Sandbox sandbox) : base(sandbox)
    {
        _proxy = FaultProxy.Start(Docker.SocketPath, Path.Combine(Sandbox.WorkDir, $"proxy-{Guid.NewGuid():N}.sock"));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Something for every step: an old stopped container, an old dangling image, build cache and
    /// two unused tagged images, a usage history with events to replay, and real pressure.
    /// </summary>
    private async Task<(string Config, string Ledger)> SceneAsync()
    {
        await LoadAsync([
            FixtureImage.Tagged("flt/a:1", Now.AddDays(-10), Base, new Layer("flt-a", 3_000_000)),
            FixtureImage.Tagged("flt/b:1", Now.AddDays(-11), Base, new Layer("flt-b", 3_000_000)),
            FixtureImage.Dangling(Now.AddDays(-12), Base, new Layer("flt-dangling", 3_000_000)),
        ]);
        var context = Directory.CreateDirectory(Path.Combine(Sandbox.WorkDir, $"flt-build-{Guid.NewGuid():N}")).FullName;
        File.WriteAllBytes(Path.Combine(context, "payload.bin"), new byte[500_000]);
        File.WriteAllText(Path.Combine(context, "Dockerfile"), "FROM scratch\nCOPY payload.bin /payload.bin\n");
        Docker.BuildKit(context, "flt/built:1");
        Docker.Cli("rmi", "flt/built:1");
        CreateStopped("flt/b:1", "flt-stopped-old");
        var config = await KnownAndUnderPressureAsync(5);
        var ledger = Path.Combine(Path.GetDirectoryName(config)!, "ledger.json");
        var pristine = ledger + ".pristine";
        File.Copy(ledger, pristine);
        return (config, pristine);
    }

    private Task<CliRun> ThroughProxyAsync(params string[] args) =>
        Sandbox.TidemarkAsync(new Dictionary<string, string> { ["DOCKER_HOST"] = _proxy.Host }, args);

    /// <summary>Every image and container on the daemon, in one comparable line.</summary>
    private string Host() =>
        string.Join(' ', Docker.ImageIds().Order()) + " | " + string.Join(' ', Docker.Lines("ps", "-a", "-q").Order());

    [Theory]
    [MemberData(nameof(ReadEndpoints))]
    public async Task A_fault_on_any_read_stops_the_run_before_anything_is_removed(string path, string named)
    {
        var (config, pristine) = await SceneAsync();
        var ledger = Path.Combine(Path.GetDirectoryName(config)!, "ledger.json");
        var before = Host();
        foreach (var fault in new[] { Fault.Status(500, "{\"message\":\"injected\"}"), Fault.Close, Fault.Garbage, Fault.Body("{\"unexpected\":[1,2]}", forward: false), Fault.Body("[{}]", forward: false) })
        {
            File.Copy(pristine, ledger, overwrite: true);
            _proxy.Clear();
            _proxy.Add(new FaultRule(fault) { Method = "GET", Path = new Regex(path) });

            var run = await ThroughProxyAsync("run", "--json", "--config", config);

            var why = $"{fault} on {path}\n{run}";
            Assert.True(run.ExitCode == 69, why);
            Assert.Contains(named, run.Stderr);
            Assert.True(_proxy.Calls.Any(c => c.Fault is not null), $"the fault never applied: {why}");
            Assert.Empty(_proxy.Mutating);
            Assert.Equal(before, Host());
            Assert.DoesNotContain("unexpected error", run.Stderr);
        }

        // The same run without faults does remove things: the faults were what stopped it.
        File.Copy(pristine, ledger, overwrite: true);
        _proxy.Clear();
        var clean = await ThroughProxyAsync("run", "--json", "--config", config);
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.NotEmpty(_proxy.Mutating);
    }

    [Theory]
    [InlineData("POST", "^/containers/prune$", 0)]
    [InlineData("POST", "^/images/prune$", 1)]
    [InlineData("POST", "^/build/prune$", 2)]
    [InlineData("DELETE", "^/images/", 3)]
    public async Task A_daemon_error_on_a_removal_step_ends_the_run_with_a_partial_report_and_69(string method, string path, int failedStep)
    {
        var (config, _) = await SceneAsync();
        _proxy.Add(new FaultRule(Fault.Status(500, "{\"message\":\"injected failure\"}")) { Method = method, Path = new Regex(path) });

        var run = await ThroughProxyAsync("run", "--json", "--config", config);

        Assert.True(run.ExitCode == 69, run.ToString());
        var statuses = run.Actions.Select(a => a.GetProperty("status").GetString()).ToList();
        Assert.True(statuses.Count > failedStep, run.ToString());
        Assert.All(statuses.Take(failedStep), s => Assert.Equal("done", s));
        Assert.Equal("failed", statuses[failedStep]);
        Assert.All(run.Actions.Skip(failedStep + 1), a => Assert.StartsWith("not attempted", a.GetProperty("message").GetString()));
        Assert.Equal("daemon-lost", run.Json.GetProperty("halt").GetProperty("kind").GetString());
        Assert.Contains("injected failure", run.Json.GetProperty("summary").GetString() + run.Stdout);
    }

    [Fact]
    public async Task A_connection_closed_during_deletions_ends_with_a_partial_report_and_a_non_zero_exit()
    {
        var (config, _) = await SceneAsync();
        // The daemon deletes, the answer is lost (every retry too).
        _proxy.Add(new FaultRule(Fault.ForwardThenClose) { Method = "DELETE", Path = new Regex("^/images/") });

        var run = await ThroughProxyAsync("run", "--json", "--config", config);

        Assert.True(run.ExitCode == 69, run.ToString());
        var stage2 = run.Actions.Where(a => a.GetProperty("stage").GetInt32() == 2).ToList();
        Assert.Equal("failed", stage2[0].GetProperty("status").GetString());
        Assert.Contains("unknown", stage2[0].GetProperty("message").GetString());
        Assert.All(stage2.Skip(1), a => Assert.StartsWith("not attempted", a.GetProperty("message").GetString()));
        Assert.All(run.Actions.Where(a => a.GetProperty("stage").GetInt32() == 1), a => Assert.Equal("done", a.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task A_container_created_while_a_removal_is_delayed_makes_it_a_409_skip_never_forced()
    {
        await LoadAsync([FixtureImage.Tagged("flt/raced:1", Now.AddDays(-10), Base, new Layer("flt-raced", 3_000_000))]);
        var config = await KnownAndUnderPressureAsync(1);
        _proxy.Add(new FaultRule(Fault.Delay(TimeSpan.FromSeconds(4))) { Method = "DELETE", Path = new Regex("^/images/") });

        var running = ThroughProxyAsync("run", "--json", "--config", config);
        // The re-check before the removal has passed once the containers were listed twice.
        FixtureDocker.WaitUntil(() => _proxy.Calls.Count(c => c.Path.Contains("/containers/json", StringComparison.Ordinal)) >= 2, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
        CreateStopped("flt/raced:1", "flt-racer");
        var run = await running;

        Assert.True(run.ExitCode == 0, run.ToString());
        var removal = Assert.Single(run.Actions);
        Assert.Equal("skipped", removal.GetProperty("status").GetString());
        Assert.Contains("409", removal.GetProperty("message").GetString());
        Assert.Contains("flt/raced:1", Docker.Tags());
        Assert.NotEmpty(_proxy.Mutating);
        Assert.All(_proxy.Mutating, c => Assert.DoesNotMatch("force=(1|true)", c.Path));
        // The refusal counts as a use.
        var entry = JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(config)!, "ledger.json"))).RootElement
            .GetProperty("images").EnumerateObject().Single();
        Assert.True(DateTimeOffset.UtcNow - entry.Value.GetProperty("lastUsed").GetDateTimeOffset() < TimeSpan.FromMinutes(1));
    }

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
