using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>
/// Issue 7, defect 3: SIGTERM and SIGINT at random points of a long run (hundreds of removals)
/// and of a watch cycle, through the real process: the exit code, the partial report, the saved
/// ledger and the released lock.
/// </summary>
public sealed class SignalTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    private const int Images = 300;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>Hundreds of small unused images, past min_age, under a pressure no removal can relieve: stage 2 removes them all, one by one.</summary>
    private async Task<string> LongRunAsync(string extraToml = "")
    {
        var images = Enumerable.Range(0, Images)
            .Select(i => FixtureImage.Tagged($"sig/app{i:D3}:1", Now.AddDays(-10), new Layer($"sig-{i}", 4_096)))
            .ToList();
        await LoadAsync(images);
        return await KnownAndUnderPressureAsync(40, sections: extraToml);
    }

    private int Remaining() => Docker.Lines("image", "ls", "--format", "{{.Repository}}").Count(r => r.StartsWith("sig/", StringComparison.Ordinal));

    /// <summary>Whether this process ignores the signal (the SigIgn mask of /proc/self/status).</summary>
    private static bool SignalIgnoredHere(int number)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (number - 1))) != 0;
    }

    private async Task<int> RemainingNowAsync()
    {
        var images = await Docker.ApiAsync("images/json", TestContext.Current.CancellationToken);
        return images.EnumerateArray().Count(i => i.TryGetProperty("RepoTags", out var tags) && tags.ValueKind == JsonValueKind.Array
            && tags.EnumerateArray().Any(t => t.GetString()?.StartsWith("sig/", StringComparison.Ordinal) == true));
    }

    private static string LedgerOf(string config) => Path.Combine(Path.GetDirectoryName(config)!, "ledger.json");

    [Theory]
    [InlineData("TERM", 143, 1)]
    [InlineData("INT", 130, 2)]
    [InlineData("TERM", 143, 3)]
    public async Task A_signal_mid_run_stops_between_removals_with_the_partial_report_the_ledger_and_the_lock(string signal, int code, int seed)
    {
        // A child inherits an ignored signal: a suite started as a background job of a shell
        // without job control ignores SIGINT, and so would the run under test.
        Assert.False(signal == "INT" && SignalIgnoredHere(2),
            "SIGINT is ignored by this test process (started in the background without job control?), so the run it starts ignores it too: run the suite in the foreground");
        var config = await LongRunAsync();
        var random = new Random(seed);
        var after = random.Next(3, 80);
        var started = DateTime.UtcNow;

        using var run = new TidemarkProcess(Docker.Host, "run", "--json", "--config", config);
        // Polled through the API, not the CLI, and often: the removals that follow take a few
        // seconds in all, and a CLI slowed by a loaded machine let the run finish before the signal.
        var deadline = DateTime.UtcNow + Patience;
        while (await RemainingNowAsync() > Images - after && !run.HasExited && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        run.Signal(signal);
        var exit = run.WaitForExit(Patience);

        var why = $"seed {seed}, signal after {after} removals\n{run.Output}";
        Assert.True(exit == code, why);
        var report = JsonDocument.Parse(run.Stdout).RootElement;
        var actions = report.GetProperty("actions").EnumerateArray().ToList();
        var done = actions.Count(a => a.GetProperty("status").GetString() == "done");
        var notAttempted = actions.Count(a => a.GetProperty("message").GetString()?.StartsWith($"not attempted: stopped by SIG{signal}", StringComparison.Ordinal) == true);
        Assert.True(done >= after, why);
        Assert.True(notAttempted > 0, why);
        // What the report says was removed is what is gone: nothing unreported, nothing claimed.
        Assert.Equal(Images - Remaining(), done);
        Assert.Contains($"stopped by SIG{signal}", report.GetProperty("summary").GetString());

        Assert.True(File.GetLastWriteTimeUtc(LedgerOf(config)) > started, "the ledger was not saved");
        JsonDocument.Parse(File.ReadAllText(LedgerOf(config))).Dispose();
        var next = await Sandbox.TidemarkAsync("plan", "--config", config);
        Assert.Equal(0, next.ExitCode);
        Assert.NotEqual(75, (await Sandbox.TidemarkAsync("run", "--dry-run", "--config", config)).ExitCode);
        using var again = new TidemarkProcess(Docker.Host, "run", "--config", config);
        Assert.NotEqual(75, again.WaitForExit(Patience));
    }

    [Fact]
    public async Task A_signal_before_any_removal_says_nothing_was_removed()
    {
        var config = await LongRunAsync();
        using var run = new TidemarkProcess(Docker.Host, "run", "--config", config);
        // As early as the process can be signalled: while it starts, reads its config or the daemon.
        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 400)), TestContext.Current.CancellationToken);
        run.Signal("TERM");

        Assert.Equal(143, run.WaitForExit(Patience));
        if (Remaining() == Images)
        {
            // Nothing went: the process either died before it could say anything (the signal
            // came before its handler existed) or said nothing was removed.
            Assert.True(run.Stderr.Count == 0 || run.Stderr[^1].Contains("nothing removed", StringComparison.Ordinal), run.Output);
        }
        else
        {
            // Something went: the report must say what, and never "nothing removed".
            Assert.DoesNotContain("nothing removed", run.Output);
            Assert.Contains("stopped by SIGTERM", run.Output);
        }

        Assert.DoesNotContain(run.Lines, l => l.Contains("   at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public void SIGTERM_is_heard_while_the_config_read_blocks()
    {
        var fifo = Path.Combine(Sandbox.WorkDir, $"fifo-{Guid.NewGuid():N}.toml");
        using (var mk = Process.Start("mkfifo", [fifo]))
        {
            mk.WaitForExit();
        }

        using var run = new TidemarkProcess(Docker.Host, "run", "--config", fifo);
        Thread.Sleep(1500);
        var clock = Stopwatch.StartNew();
        run.Signal("TERM");

        Assert.Equal(143, run.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed} to stop");
        Assert.Contains("interrupted by SIGTERM", Assert.Single(run.Stderr));
    }

    [Fact]
    public async Task A_second_signal_while_a_removal_hangs_exits_at_once_in_one_line()
    {
        var config = await LongRunAsync();
        await using var proxy = FaultProxy.Start(Docker.SocketPath, Path.Combine(Sandbox.WorkDir, $"proxy-{Guid.NewGuid():N}.sock"));
        proxy.Add(new FaultRule(Fault.Delay(TimeSpan.FromSeconds(60))) { Method = "DELETE", Path = new Regex("^/images/") });

        using var run = new TidemarkProcess(proxy.Host, "run", "--config", config);
        FixtureDocker.WaitUntil(() => proxy.Calls.Any(c => c.Method == "GET" && c.Path.Contains("/containers/json", StringComparison.Ordinal))
            && proxy.Calls.Count(c => c.Path.Contains("/containers/json", StringComparison.Ordinal)) >= 2, Patience);
        Thread.Sleep(500);
        run.Signal("TERM");
        // Past the window in which a second signal is the same request delivered twice.
        Thread.Sleep(1500);
        var clock = Stopwatch.StartNew();
        run.Signal("TERM");

        Assert.Equal(143, run.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed} after the second signal");
        Assert.Contains("second SIGTERM: exiting at once", Assert.Single(run.Stderr));
        Assert.DoesNotContain(run.Lines, l => l.Contains("   at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_signal_delivered_twice_at_once_as_timeout_does_is_one_request()
    {
        // The fresh-clone trial: `timeout` signals the process and then its group; the watch lost
        // its ledger to what read as a second, impatient signal.
        var config = await LongRunAsync("[watch]\ninterval = \"1h\"\n");
        var started = DateTime.UtcNow;
        using var watch = new TidemarkProcess(Docker.Host, "watch", "--config", config);
        FixtureDocker.WaitUntil(() => Remaining() <= Images - 5 || watch.HasExited, Patience);
        watch.Signal("TERM");
        watch.Signal("TERM");

        Assert.Equal(0, watch.WaitForExit(Patience));
        Assert.DoesNotContain(watch.Lines, l => l.Contains("second SIGTERM", StringComparison.Ordinal));
        Assert.Contains(watch.Lines, l => l.EndsWith($"watch: stopping (SIGTERM): ledger saved to {LedgerOf(config)}", StringComparison.Ordinal));
        Assert.True(File.GetLastWriteTimeUtc(LedgerOf(config)) > started);
    }

    [Fact]
    public async Task SIGTERM_during_a_watch_cycle_reports_what_was_done_and_saves_the_ledger()
    {
        var config = await LongRunAsync("[watch]\ninterval = \"1h\"\n");
        var started = DateTime.UtcNow;
        using var watch = new TidemarkProcess(Docker.Host, "watch", "--config", config);
        FixtureDocker.WaitUntil(() => Remaining() <= Images - Random.Shared.Next(3, 60) || watch.HasExited, Patience);
        watch.Signal("TERM");

        Assert.Equal(0, watch.WaitForExit(Patience));
        Assert.Contains(watch.Lines, l => l.Contains("not attempted: stopped by SIGTERM", StringComparison.Ordinal));
        Assert.Contains(watch.Lines, l => l.Contains("result: stopped by SIGTERM", StringComparison.Ordinal));
        Assert.Contains(watch.Lines, l => l.EndsWith($"watch: stopping (SIGTERM): ledger saved to {LedgerOf(config)}", StringComparison.Ordinal));
        Assert.True(File.GetLastWriteTimeUtc(LedgerOf(config)) > started);
        Assert.NotEqual(75, (await Sandbox.TidemarkAsync("run", "--config", config)).ExitCode);
    }

    [Fact]
    public async Task Deleting_the_lock_file_mid_run_stops_the_run_that_held_it()
    {
        var config = await LongRunAsync();
        var lockFile = Path.Combine(Path.GetDirectoryName(config)!, "tidemark.lock");
        using var run = new TidemarkProcess(Docker.Host, "run", "--json", "--config", config);
        FixtureDocker.WaitUntil(() => Remaining() <= Images - 5 || run.HasExited, Patience);
        File.Delete(lockFile);

        Assert.Equal(75, run.WaitForExit(Patience));
        var report = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Contains(report.GetProperty("actions").EnumerateArray(),
            a => a.GetProperty("message").GetString()?.Contains("was removed or replaced", StringComparison.Ordinal) == true);
        Assert.True(Remaining() > 0);
    }
}
