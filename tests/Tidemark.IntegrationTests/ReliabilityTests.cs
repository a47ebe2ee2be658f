using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>
/// Issue 7's defects 4 to 12, each through the real process as an operator meets it. Run with
/// TIDEMARK_DLL set to the build before the fixes, they fail (docs/reliability.md).
/// </summary>
public sealed class ReliabilityTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly Layer Base = new("rel-base", 2_000_000);

    /// <summary>The real process against <paramref name="dockerHost"/> (the sandbox, or a fault proxy in front of it).</summary>
    private static CliRun Via(string dockerHost, params string[] args) => Spawn(dockerHost, Patience, args);

    private static CliRun Spawn(string dockerHost, TimeSpan timeout, params string[] args)
    {
        using var process = new TidemarkProcess(dockerHost, args);
        var code = process.WaitForExit(timeout);
        return new CliRun(code, process.Stdout, string.Join('\n', process.Stderr));
    }

    private CliRun Tidemark(params string[] args) => Via(Docker.Host, args);

    private static void NoStackTrace(CliRun run)
    {
        Assert.DoesNotContain("   at ", run.Stdout + run.Stderr);
        Assert.DoesNotContain("unexpected error", run.Stderr);
    }

    private static string LedgerOf(string config) => Path.Combine(Path.GetDirectoryName(config)!, "ledger.json");

    /// <summary>An old dangling image and real pressure: a run that may act removes it.</summary>
    private async Task<string> SomethingToRemoveAsync()
    {
        var ids = await LoadAsync([FixtureImage.Dangling(Now.AddDays(-10), Base, new Layer("rel-old", 1_000_000))]);
        Sandbox.FillTo(82);
        return ids[0];
    }

    // Defect 4 ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("{\"version\":1}")]
    [InlineData("{\"version\":1,\"images\":null}")]
    [InlineData("{\"version\":1,\"images\":{\"sha256:aa\":null}}")]
    public void A_ledger_the_code_cannot_use_is_set_aside_and_the_run_goes_on(string content)
    {
        var config = Sandbox.Config(QuietDisk);
        File.WriteAllText(LedgerOf(config), content);

        var run = Tidemark("run", "--config", config);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("is unusable", run.Stderr);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(config)!, "ledger.json.corrupt-*"));
        NoStackTrace(run);
    }

    [Fact]
    public void A_ledger_from_the_future_is_clamped_and_the_run_goes_on()
    {
        var config = Sandbox.Config(QuietDisk);
        File.WriteAllText(LedgerOf(config), $"{{\"version\":1,\"eventsSeenUntil\":\"{DateTimeOffset.UtcNow.AddDays(2):O}\",\"images\":{{}}}}");

        var run = Tidemark("run", "--config", config);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("times in the future", run.Stderr);
        Assert.True(Tidemark("run", "--config", config).ExitCode == 0);
    }

    [Fact]
    public void A_ledger_path_that_is_a_directory_is_an_error_not_no_history()
    {
        var config = Sandbox.Config(QuietDisk);
        Directory.CreateDirectory(LedgerOf(config));

        var run = Tidemark("run", "--config", config);

        Assert.True(run.ExitCode is 74 or 78, run.ToString());
        Assert.Contains("is a directory", run.Stderr);
    }

    // Defect 5 ---------------------------------------------------------------------------------

    [Fact]
    public async Task An_empty_image_inspect_fails_the_run_and_is_not_cached()
    {
        await LoadAsync([FixtureImage.Tagged("rel/app:1", Now.AddDays(-10), Base, new Layer("rel-app", 3_000_000))]);
        var config = await KnownAndUnderPressureAsync(1);
        await using var proxy = FaultProxy.Start(Docker.SocketPath, Path.Combine(Sandbox.WorkDir, $"proxy-{Guid.NewGuid():N}.sock"));
        proxy.Add(new FaultRule(Fault.Body("{}", forward: false)) { Method = "GET", Path = new Regex("^/images/.+/json$") });

        var run = Via(proxy.Host, "run", "--config", config);

        Assert.True(run.ExitCode == 69, run.ToString());
        Assert.Contains("/images/", run.Stderr);
        Assert.Empty(proxy.Mutating);
        Assert.Contains("rel/app:1", Docker.Tags());
        var ledger = JsonDocument.Parse(File.ReadAllText(LedgerOf(config))).RootElement.GetProperty("images");
        Assert.All(ledger.EnumerateObject(), e => Assert.False(e.Value.TryGetProperty("layers", out var l) && l.GetArrayLength() == 0));
    }

    // Defect 6 ---------------------------------------------------------------------------------

    [Fact]
    public async Task Losing_the_daemon_at_a_gate_recheck_is_exit_69_not_0()
    {
        var id = await SomethingToRemoveAsync();
        await using var proxy = FaultProxy.Start(Docker.SocketPath, Path.Combine(Sandbox.WorkDir, $"proxy-{Guid.NewGuid():N}.sock"));
        // The snapshot's container list goes through; the re-check before the first step fails.
        proxy.Add(new FaultRule(Fault.Status(500, "{\"message\":\"daemon going down\"}")) { Method = "GET", Path = new Regex("^/containers/json$"), Skip = 1 });

        var run = Via(proxy.Host, "run", "--json", "--config", Sandbox.Config(""));

        Assert.True(run.ExitCode == 69, run.ToString());
        Assert.Contains("daemon going down", run.Stdout);
        Assert.Empty(proxy.Mutating);
        Assert.Contains(id, Docker.ImageIds());
    }

    [Fact]
    public void A_ledger_that_cannot_be_saved_is_exit_74_after_the_report()
    {
        var config = Sandbox.Config("[ledger]\npath = \"/proc/tidemark-test-ledger.json\"\n" + QuietDisk);

        var run = Tidemark("run", "--config", config);

        Assert.True(run.ExitCode == 74, run.ToString());
        Assert.Contains("result: ", run.Stdout);
        Assert.Contains("could not save the usage ledger", run.Stderr);
    }

    [Theory]
    [InlineData("/tmp", 78)]
    [InlineData("/proc/tidemark-test/tidemark.lock", 74)]
    public void Lock_file_problems_are_config_or_io_errors(string lockPath, int code)
    {
        var config = Sandbox.Config($"[lock]\npath = \"{lockPath}\"\n" + QuietDisk);

        var run = Tidemark("run", "--config", config);

        Assert.True(run.ExitCode == code, run.ToString());
        NoStackTrace(run);
    }

    // Defect 7 ---------------------------------------------------------------------------------

    [Fact]
    public async Task Watch_started_on_a_corrupt_ledger_runs_stage_2_once_the_rebuilt_one_is_saved()
    {
        await LoadAsync([FixtureImage.Tagged("rel/old:1", Now.AddDays(-30), Base, new Layer("rel-watch", 40_000_000))]);
        var config = Sandbox.Config("[prune]\nmin_age = \"1s\"\n" + QuietDisk + "[watch]\ninterval = \"2s\"\n");
        File.WriteAllText(LedgerOf(config), "{ corrupt");
        PressureNow(config, 1);

        using var watch = new TidemarkProcess(Docker.Host, "watch", "--config", config);
        watch.WaitFor("stage 2 skipped: the usage ledger could not be read", Patience);
        watch.WaitFor("stage 2 image", Patience);

        Assert.DoesNotContain("rel/old:1", Docker.Tags());
        Assert.Equal(0, watch.Terminate(Patience));
    }

    [Fact]
    public void Plan_leaves_a_corrupt_ledger_where_it_is()
    {
        var config = Sandbox.Config(QuietDisk);
        File.WriteAllText(LedgerOf(config), "{ corrupt");

        var plan = Tidemark("plan", "--config", config);

        Assert.Equal(0, plan.ExitCode);
        Assert.Equal("{ corrupt", File.ReadAllText(LedgerOf(config)));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(config)!, "ledger.json.corrupt-*"));
    }

    // Defect 8 ---------------------------------------------------------------------------------

    [Fact]
    public async Task A_pathological_protect_glob_does_not_hang_a_run()
    {
        var tag = "rel/" + new string('a', 100) + ":" + new string('a', 100);
        await LoadAsync([FixtureImage.Tagged(tag, Now.AddDays(-10), Base)]);
        var config = await KnownAndUnderPressureAsync(1, pruneKeys: "protect = [\"*a*a*a*a*a*a*a*a*a*a*a*a*b\"]\n");

        var clock = Stopwatch.StartNew();
        var plan = Spawn(Docker.Host, TimeSpan.FromSeconds(30), "plan", "--config", config);

        Assert.Equal(0, plan.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_busy_selector_that_times_out_holds_the_gate_instead_of_crashing()
    {
        await LoadAsync([FixtureImage.Tagged("rel/runner:1", Now.AddDays(-10), Base)]);
        RunContainer("rel/runner:1", new string('a', 40) + "-x");
        await SomethingToRemoveAsync();

        var run = Tidemark("run", "--json", "--config", Sandbox.Config("[busy]\ncontainer_patterns = [\"^(a+)+$\"]\n"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(run.Gate("idle").GetProperty("passed").GetBoolean());
        Assert.Contains("cannot tell", run.Gate("idle").GetProperty("reason").GetString());
    }

    // Defect 9 ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("[ledger]\npath = \"/\"\n")]
    [InlineData("[disk]\npath = \"/var/lib/docker\\u0000/x\"\n")]
    [InlineData("[lock]\npath = \"/run/t\\nresult: ok\"\n")]
    public async Task An_unusable_path_is_refused_at_load_before_anything_is_removed(string toml)
    {
        var id = await SomethingToRemoveAsync();

        var run = Tidemark("run", "--config", Sandbox.Config(toml));

        Assert.True(run.ExitCode == 78, run.ToString());
        Assert.Contains(id, Docker.ImageIds());
        NoStackTrace(run);
    }

    [Fact]
    public void Very_deep_toml_nesting_is_a_config_error()
    {
        var config = Sandbox.Config("");
        File.AppendAllText(config, "[disk]\nx = " + new string('[', 20_000) + new string(']', 20_000) + "\n");

        var run = Tidemark("plan", "--config", config);

        Assert.True(run.ExitCode == 78, run.ToString());
        NoStackTrace(run);
    }

    // Defect 10 --------------------------------------------------------------------------------

    [Fact]
    public void A_symlinked_lock_path_never_truncates_its_target()
    {
        var config = Sandbox.Config(QuietDisk);
        var victim = Path.Combine(Path.GetDirectoryName(config)!, "victim");
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink(Path.Combine(Path.GetDirectoryName(config)!, "tidemark.lock"), victim);

        var run = Tidemark("run", "--config", config);

        Assert.True(run.ExitCode == 78, run.ToString());
        Assert.Equal("precious", File.ReadAllText(victim));
    }

    // Defect 11 --------------------------------------------------------------------------------

    [Fact]
    public async Task A_label_cannot_forge_a_line_or_repaint_the_terminal()
    {
        await LoadAsync([FixtureImage.Tagged("rel/evil:1", Now.AddDays(-10), Base)]);
        RunContainer("rel/evil:1", "evil", "--label", "com.docker.stack.namespace=evil\nresult: reclaimed 9 TB\u001b[2J");
        await SomethingToRemoveAsync();

        var run = Tidemark("run", "--config", Sandbox.Config("[busy]\nstack_patterns = [\"^evil\"]\n"));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.DoesNotContain('\u001b', run.Stdout);
        Assert.Single(run.Stdout.Split('\n'), l => l.StartsWith("result:", StringComparison.Ordinal));
        Assert.Contains("evil\\nresult: reclaimed 9 TB\\x1b[2J", run.Stdout);
    }

    // Defect 12 --------------------------------------------------------------------------------

    [Fact]
    public void A_protect_glob_that_can_never_match_is_warned_about()
    {
        var plan = Tidemark("plan", "--config", Sandbox.Config("[prune]\nprotect = [\"postgres\", \"PROT/*\"]\n" + QuietDisk));

        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("'postgres' names no tag or digest", plan.Stderr);
        Assert.Contains("'PROT/*' has capitals", plan.Stderr);
    }
}
