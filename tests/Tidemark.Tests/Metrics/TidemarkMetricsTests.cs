using System.Text.RegularExpressions;
using Tidemark.Cli.Metrics;
using Tidemark.Core.Configuration;
using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Metrics;

/// <summary>
/// Issue 9: the Prometheus exposition says what the run did, validates with promtool, and its
/// counters only grow across the one-shot runs of a timer.
/// </summary>
public sealed partial class TidemarkMetricsTests : IDisposable
{
    private static readonly DiskSettings Watermarks = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("tidemark-metrics-").FullName;

    private static readonly GateResult DiskPassed = GateResult.Pass("disk", "disk at 85% (>= 80%)");
    private static readonly GateResult DiskHeld = new("disk", false, "disk at 50% (< 80%)");
    private static readonly GateResult IdlePassed = GateResult.Pass("idle", "no run in progress");
    private static readonly GateResult IdleHeld = new("idle", false, "ci-job matches a busy selector");

    private static ActionReport Step(int stage, ActionStatus status, long bytes, int removed) =>
        new(new PlannedAction(stage, stage == 1 ? ActionKind.PruneBuildCache : ActionKind.RemoveImage, "x", null, bytes, []),
            status, status == ActionStatus.Done ? bytes : null, status == ActionStatus.Done ? removed : null, null);

    private static RunReport Report(IReadOnlyList<GateResult> gates, IReadOnlyList<ActionReport> actions, DiskReading? disk = null,
        bool critical = false, Halt? halt = null) =>
        new("run", gates.All(g => g.Passed), false, new DaemonFacts("20.10.24", "1.41", "/var/lib/docker", SwarmRole.None),
            disk ?? Scene.Disk(85), gates, actions, [], actions.Any(a => a.Status == ActionStatus.Done) ? Scene.Disk(75) : null, null, critical, halt);

    private static RunReport Acted => Report([DiskPassed, IdlePassed], [Step(1, ActionStatus.Done, 3_000, 4), Step(2, ActionStatus.Done, 7_000, 1)]);

    private static UsageLedger LedgerOf(params (string Image, DateTimeOffset Used)[] uses)
    {
        var ledger = new UsageLedger();
        foreach (var (image, used) in uses)
        {
            ledger.Apply(new UsageEvent(used, UsageKind.ContainerCreated, image, image + ":1"));
        }

        return ledger;
    }

    private static double Value(string exposition, string series)
    {
        var line = exposition.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void A_run_that_acted_is_told_in_full_and_passes_promtool()
    {
        var metrics = new TidemarkMetrics(Watermarks);
        var ledger = LedgerOf(("sha256:a", Scene.Now.AddDays(-3)), ("sha256:b", Scene.Now.AddHours(-1)));

        metrics.Record(Acted, LedgerFacts.Of(ledger, saved: true), Scene.Now);
        var text = metrics.Render();

        Assert.Equal(0.8, Value(text, "tidemark_watermark_ratio{kind=\"high\"}"));
        Assert.Equal(0.9, Value(text, "tidemark_watermark_ratio{kind=\"critical\"}"));
        Assert.Equal(1, Value(text, "tidemark_daemon_up"));
        // The disk as the run left it (75 %), not as it found it (85 %): an alert on the ratio
        // must not fire after a run that fixed the disk.
        Assert.Equal(75_000_000_000, Value(text, "tidemark_disk_used_bytes{path=\"/var/lib/docker\"}"));
        Assert.Equal(100_000_000_000, Value(text, "tidemark_disk_size_bytes{path=\"/var/lib/docker\"}"));
        Assert.Equal(100_000, Value(text, "tidemark_disk_inodes_used{path=\"/var/lib/docker\"}"));
        Assert.Equal(1_000_000, Value(text, "tidemark_disk_inodes{path=\"/var/lib/docker\"}"));
        Assert.Equal(0.75, Value(text, "tidemark_disk_used_ratio{path=\"/var/lib/docker\"}"));
        Assert.Equal(1, Value(text, "tidemark_gate_passed{gate=\"disk\"}"));
        Assert.Equal(1, Value(text, "tidemark_cycles_total{outcome=\"acted\"}"));
        Assert.Equal(3_000, Value(text, "tidemark_reclaimed_bytes_total{stage=\"1\"}"));
        Assert.Equal(7_000, Value(text, "tidemark_reclaimed_bytes_total{stage=\"2\"}"));
        Assert.Equal(4, Value(text, "tidemark_removed_objects_total{stage=\"1\"}"));
        Assert.Equal(10_000, Value(text, "tidemark_last_estimated_bytes"));
        Assert.Equal(10_000_000_000, Value(text, "tidemark_last_measured_bytes"));
        Assert.Equal(2, Value(text, "tidemark_ledger_images"));
        Assert.Equal(Scene.Now.AddDays(-3).ToUnixTimeSeconds(), Value(text, "tidemark_ledger_oldest_use_timestamp_seconds"));
        Assert.Equal(1, Value(text, "tidemark_ledger_saved"));
        Assert.Equal(Scene.Now.ToUnixTimeSeconds(), Value(text, "tidemark_last_success_timestamp_seconds"));
        Assert.Equal(0, Value(text, "tidemark_critical_pressure"));
        AssertPromtoolAccepts(text);
    }

    [Fact]
    public void Before_any_run_every_counter_is_there_at_zero_and_the_exposition_still_validates()
    {
        var text = new TidemarkMetrics(Watermarks).Render();

        Assert.Equal(0, Value(text, "tidemark_cycles_total{outcome=\"failed\"}"));
        Assert.Equal(0, Value(text, "tidemark_reclaimed_bytes_total{stage=\"2\"}"));
        Assert.Equal(0, Value(text, "tidemark_ledger_save_failures_total"));
        Assert.DoesNotContain("tidemark_last_success_timestamp_seconds", text);
        AssertPromtoolAccepts(text);
    }

    public static TheoryData<string, RunReport> Outcomes => new()
    {
        { "acted", Acted },
        { "nothing-to-do", Report([DiskHeld, IdlePassed], [], Scene.Disk(50)) },
        { "nothing-to-do", Report([DiskPassed, IdlePassed], []) },
        { "blocked", Report([DiskPassed, IdleHeld], []) },
        { "failed", Report([DiskPassed, IdlePassed], [Step(1, ActionStatus.Failed, 10, 0)]) },
        { "failed", Report([DiskPassed, IdlePassed], [Step(1, ActionStatus.Done, 10, 1)], halt: new Halt(HaltKind.DaemonLost, "the daemon went away")) },
        { "interrupted", Report([DiskPassed, IdlePassed], [Step(1, ActionStatus.Interrupted, 10, 0)], halt: new Halt(HaltKind.Signal, "SIGTERM")) },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public void Each_run_counts_under_its_outcome(string outcome, RunReport report)
    {
        var metrics = new TidemarkMetrics(Watermarks);

        metrics.Record(report, LedgerFacts.Of(new UsageLedger(), saved: true), Scene.Now);
        var text = metrics.Render();

        Assert.Equal(1, Value(text, $"tidemark_cycles_total{{outcome=\"{outcome}\"}}"));
        Assert.Equal(1, CycleTotal().Matches(text).Sum(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(report.Halt?.Kind == HaltKind.DaemonLost ? 0 : 1, Value(text, "tidemark_daemon_up"));
        // Only a run that completed moves the last-success clock.
        Assert.Equal(outcome is "failed" or "interrupted", !text.Contains("tidemark_last_success_timestamp_seconds", StringComparison.Ordinal));
    }

    [Fact]
    public void A_timer_run_continues_the_counters_of_the_previous_file_and_keeps_the_last_success()
    {
        var first = new TidemarkMetrics(Watermarks);
        first.Record(Acted with { Critical = true }, LedgerFacts.Of(new UsageLedger(), saved: false), Scene.Now);

        var second = TidemarkMetrics.ContinuingFrom(first.Render(), Watermarks);
        second.Record(Acted, LedgerFacts.Of(new UsageLedger(), saved: true), Scene.Now.AddDays(1));
        var third = TidemarkMetrics.ContinuingFrom(second.Render(), Watermarks);
        third.RecordFailure(daemonUp: false);
        var text = third.Render();

        Assert.Equal(2, Value(text, "tidemark_cycles_total{outcome=\"acted\"}"));
        Assert.Equal(1, Value(text, "tidemark_cycles_total{outcome=\"failed\"}"));
        Assert.Equal(6_000, Value(text, "tidemark_reclaimed_bytes_total{stage=\"1\"}"));
        Assert.Equal(1, Value(text, "tidemark_critical_cycles_total"));
        Assert.Equal(1, Value(text, "tidemark_ledger_save_failures_total"));
        Assert.Equal(0, Value(text, "tidemark_daemon_up"));
        Assert.Equal(Scene.Now.AddDays(1).ToUnixTimeSeconds(), Value(text, "tidemark_last_success_timestamp_seconds"));
        AssertPromtoolAccepts(text);
    }

    [Theory]
    [InlineData("tidemark_cycles_total{outcome=\"acted\"} -5")]
    [InlineData("tidemark_cycles_total{outcome=\"acted\"} NaN")]
    [InlineData("tidemark_cycles_total{outcome=\"acted\"} +Inf")]
    [InlineData("tidemark_cycles_total{outcome=\"planted\"} 7")]
    [InlineData("tidemark_last_success_timestamp_seconds 1e300")]
    [InlineData("\0\0garbage{{{ 1")]
    public void A_damaged_or_foreign_previous_file_neither_plants_series_nor_turns_a_counter_back(string line)
    {
        var metrics = TidemarkMetrics.ContinuingFrom("tidemark_cycles_total{outcome=\"acted\"} 3\n" + line + "\n", Watermarks);
        var text = metrics.Render();

        Assert.True(Value(text, "tidemark_cycles_total{outcome=\"acted\"}") >= 3, text);
        Assert.DoesNotContain("planted", text);
        Assert.DoesNotContain("garbage", text);
        AssertPromtoolAccepts(text);
    }

    [Fact]
    public void A_data_root_path_with_quotes_backslashes_and_a_newline_is_escaped_in_its_label()
    {
        var metrics = new TidemarkMetrics(Watermarks);
        var disk = Scene.Disk(85) with { Path = "/srv/\"docker\"\\root\nnext" };

        metrics.Record(Report([DiskPassed], [], disk), LedgerFacts.Of(new UsageLedger(), true), Scene.Now);
        var text = metrics.Render();

        Assert.Contains("tidemark_disk_used_bytes{path=\"/srv/\\\"docker\\\"\\\\root\\nnext\"} ", text);
        AssertPromtoolAccepts(text);
    }

    [Fact]
    public void The_example_alert_rules_pass_promtool_their_own_tests_and_name_only_metrics_tidemark_writes()
    {
        var dir = Path.Combine(ExternalTool.RepoRoot(), "deploy", "prometheus");
        var check = ExternalTool.RunIn(dir, "prometheus", "promtool", "check", "rules", "tidemark-alerts.yml");
        Assert.True(check.Code == 0, check.Output);
        var test = ExternalTool.RunIn(dir, "prometheus", "promtool", "test", "rules", "tidemark-alerts.test.yml");
        Assert.True(test.Code == 0, test.Output);

        var metrics = new TidemarkMetrics(Watermarks);
        metrics.Record(Acted, LedgerFacts.Of(new UsageLedger(), true), Scene.Now);
        var written = metrics.Render();
        var named = MetricName().Matches(File.ReadAllText(Path.Combine(dir, "tidemark-alerts.yml"))).Select(m => m.Value).Distinct().ToList();
        Assert.NotEmpty(named);
        Assert.All(named, name => Assert.Contains($"\n# TYPE {name} ", "\n" + written));
    }

    [Fact]
    public void The_file_is_replaced_whole_and_readable_by_the_collector()
    {
        var path = Path.Combine(_dir, "tidemark.prom");
        File.WriteAllText(path, "old");

        Assert.Null(MetricsFile.Write(path, "tidemark_daemon_up 1\n"));

        Assert.Equal("tidemark_daemon_up 1\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_missing_directory_is_made_as_the_ledger_s_is()
    {
        var path = Path.Combine(_dir, "metrics", "tidemark.prom");

        Assert.Null(MetricsFile.Write(path, "tidemark_daemon_up 1\n"));

        Assert.Equal("tidemark_daemon_up 1\n", File.ReadAllText(path));
    }

    [Fact]
    public void A_file_that_cannot_be_written_is_an_error_that_names_it_not_a_temporary_file_and_leaves_nothing_behind()
    {
        // A regular file where the directory should be: nothing can make that writable.
        File.WriteAllText(Path.Combine(_dir, "not-a-dir"), "");
        var path = Path.Combine(_dir, "not-a-dir", "tidemark.prom");

        var error = MetricsFile.Write(path, "x\n");

        Assert.NotNull(error);
        Assert.StartsWith($"could not write the metrics file {path}: ", error);
        Assert.DoesNotContain(".tmp", error);
        Assert.Equal([Path.Combine(_dir, "not-a-dir")], Directory.GetFileSystemEntries(_dir));
    }

    private void AssertPromtoolAccepts(string exposition)
    {
        var file = Path.Combine(_dir, $"{Guid.NewGuid():N}.prom");
        File.WriteAllText(file, exposition);
        // promtool reads the exposition on stdin; sh feeds it the file.
        var (code, output) = ExternalTool.Run("prometheus", "sh", "-c", "promtool check metrics < \"$1\"", "sh", file);
        Assert.True(code == 0 && output.Trim().Length == 0, output + "\n" + exposition);
    }

    [GeneratedRegex(@"tidemark_cycles_total\{[^}]*\} (\S+)")]
    private static partial Regex CycleTotal();

    [GeneratedRegex(@"\btidemark_[a-z_]+\b")]
    private static partial Regex MetricName();

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
