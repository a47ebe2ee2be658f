using Tidemark.Cli.Output;
using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Output;

/// <summary>
/// Issue 8: every line true. Each test renders a plan as the operator reads it (the human report)
/// for a host shaped like the one where the line was wrong.
/// </summary>
public sealed class TruthfulLinesTests
{
    private static readonly Settings Defaults = Settings.Default with { Prune = new PruneSettings { MinAge = TimeSpan.FromSeconds(30) } };

    /// <summary>A host whose images each own one layer, plus a shared base, with a ledger.</summary>
    private sealed class Host
    {
        public Scene Scene { get; } = new();
        public Dictionary<string, IReadOnlyList<LayerFact>> Layers { get; } = [];
        // The ledger has seen every event for a month: what stopped containers did is known.
        public UsageLedger Ledger { get; } = new() { EventsCoveredSince = Scene.Now.AddDays(-30) };

        public Host Image(string id, string tag, TimeSpan? lastUsed, long size, params string[] shared)
        {
            Scene.Image(id, tag, age: TimeSpan.FromDays(10), size: size);
            Layers[id] = [.. shared.Select(s => new LayerFact(s, 8_000_000)), new LayerFact("own-" + id, size)];
            if (lastUsed is { } ago)
            {
                Ledger.Apply(new UsageEvent(Scene.Now - ago, UsageKind.ContainerCreated, id, tag));
            }
            else
            {
                // Known to the ledger since a week, never used by a container.
                Ledger.Observe(new Snapshot(Scene.Now.AddDays(-7), Scene.Build().Daemon, Scene.Disk(50), [],
                    [new ImageRecord(id, "", [tag], [], Scene.Now.AddDays(-10), size, 0)], [], []));
            }

            return this;
        }

        public (RunReport Report, string Text) Plan(Settings? settings = null)
        {
            var snapshot = Scene.Build();
            Ledger.Observe(snapshot);
            var decision = new Policy(settings ?? Defaults).Decide(snapshot, new UsageView(Ledger, Layers));
            var report = RunReport.Planned("plan", false, snapshot, decision, decision.Notes);
            var w = new StringWriter();
            HumanReport.Write(w, report, "test.toml", "unix:///var/run/docker.sock", verbose: true, new Paint(false));
            return (report, w.ToString());
        }
    }

    private static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Critical_pressure_names_the_rule_the_age_limit_and_the_target_that_apply()
    {
        var host = new Host()
            .Image("fresh", "ci/fresh:1", TimeSpan.FromMinutes(5), 1_000_000)
            .Image("stale", "ci/stale:1", TimeSpan.FromDays(3), 1_000_000);
        host.Scene.WithDisk(Scene.Disk(95)).Container("ci-job", "other", ContainerState.Running, labels: Scene.Labels(("tidemark.busy", "1")));
        var settings = Defaults with { Prune = Defaults.Prune with { CriticalMinAge = TimeSpan.FromMinutes(10) } };

        var (report, text) = host.Plan(settings);

        Assert.True(report.Critical);
        var result = Lines(text).Single(l => l.StartsWith("result:", StringComparison.Ordinal));
        Assert.DoesNotContain("gates passed", result);
        Assert.Contains("critical", result);
        var fresh = Lines(text).Single(l => l.Contains("ci/fresh:1", StringComparison.Ordinal) && l.StartsWith("stage 2", StringComparison.Ordinal));
        Assert.Contains("critical_min_age 10m", fresh);
        Assert.DoesNotContain("min_age 10m", fresh.Replace("critical_min_age 10m", "", StringComparison.Ordinal));
        Assert.DoesNotContain("low watermark", text);
        Assert.Contains("high watermark", text);
    }

    [Fact]
    public void An_image_kept_for_a_stopped_container_says_so_and_not_that_it_was_just_used()
    {
        var host = new Host().Image("job", "ci/job:1", TimeSpan.FromDays(2), 1_000_000);
        host.Scene.Container("build-43", "job", ContainerState.Exited, age: TimeSpan.FromSeconds(10));

        var (_, text) = host.Plan();

        var line = Lines(text).Single(l => l.Contains("ci/job:1", StringComparison.Ordinal) && l.StartsWith("stage 2", StringComparison.Ordinal));
        Assert.DoesNotContain("last used 0s ago", line);
        Assert.Contains("stopped container build-43", line);
    }

    [Fact]
    public void An_image_whose_stopped_container_goes_in_stage_1_says_what_happens_to_it()
    {
        var host = new Host().Image("job", "ci/job:1", TimeSpan.FromDays(2), 1_000_000);
        host.Scene.Container("build-42", "job", ContainerState.Exited, age: TimeSpan.FromDays(2));

        var (_, text) = host.Plan();

        var line = Lines(text).Single(l => l.Contains("ci/job:1", StringComparison.Ordinal) && l.StartsWith("stage 2", StringComparison.Ordinal));
        Assert.DoesNotContain("last used 0s ago", line);
        Assert.Contains("build-42", line);
        Assert.Contains("stage 1", line);
    }

    [Fact]
    public void An_image_with_no_recorded_use_says_so_instead_of_predicting_one()
    {
        var host = new Host().Image("idle", "ci/idle:1", lastUsed: null, 1_000_000);

        var (_, text) = host.Plan();

        var line = Lines(text).Single(l => l.Contains("ci/idle:1", StringComparison.Ordinal) && l.StartsWith("stage 2", StringComparison.Ordinal));
        Assert.DoesNotContain("next use expected", line);
        Assert.Contains("no recorded use", line);
    }

    [Fact]
    public void Unique_and_freed_bytes_on_one_line_do_not_contradict_each_other()
    {
        // alpine holds only the base; worker is built on it. Removing worker first leaves the base
        // to alpine alone, so alpine then frees it though its unique size was 0.
        var host = new Host()
            .Image("worker", "ci/worker:0.9", TimeSpan.FromDays(3), 10_000_000, "base")
            .Image("alpine", "alpine:3.19", TimeSpan.FromDays(3), 0, "base");

        var (report, text) = host.Plan(Defaults with { Disk = Defaults.Disk with { LowWatermarkPercent = 1 } });

        var review = report.Stage2!.Reviews.Single(r => r.Image.RepoTags[0] == "alpine:3.19");
        Assert.Equal(0, review.UniqueBytes);
        Assert.True(review.FreedBytes > 0);
        var line = Lines(text).Single(l => l.Contains("alpine:3.19", StringComparison.Ordinal) && l.StartsWith("stage 2", StringComparison.Ordinal));
        Assert.Contains("removed before it", line);
    }

    [Fact]
    public void No_services_is_said_plainly()
    {
        var (_, text) = new Host().Plan();
        Assert.DoesNotContain("all 0 services", text);
        Assert.Contains("gate converge pass  swarm: no services", text);
    }

    [Fact]
    public void A_container_that_never_started_is_not_described_as_created_created()
    {
        var host = new Host();
        host.Scene.Container("never-ran", "x", ContainerState.Created, age: TimeSpan.FromDays(2));

        var (_, text) = host.Plan();

        Assert.DoesNotContain("(created, created", text);
        Assert.Contains("never started, created 2d ago", text);
    }

    [Fact]
    public void Notes_that_explain_the_plan_come_before_its_lines()
    {
        var host = new Host().Image("a", "ci/a:1", TimeSpan.FromDays(3), 1_000_000);
        host.Scene.Image("young", null, age: TimeSpan.FromSeconds(1));

        var (_, text) = host.Plan(Defaults with { Disk = Defaults.Disk with { LowWatermarkPercent = 1 } });

        var lines = Lines(text).ToList();
        var target = lines.FindIndex(l => l.StartsWith("stage 2 target", StringComparison.Ordinal));
        var keeps = lines.FindIndex(l => l.StartsWith("stage 1 keeps", StringComparison.Ordinal));
        var firstStage2 = lines.FindIndex(l => l.StartsWith("stage 2 remove", StringComparison.Ordinal) || l.StartsWith("stage 2 keep", StringComparison.Ordinal));
        Assert.True(target >= 0 && keeps >= 0 && firstStage2 >= 0, text);
        Assert.True(target < firstStage2, text);
        Assert.True(keeps < firstStage2, text);
    }

    [Fact]
    public void A_stopped_container_from_before_the_event_history_makes_its_image_used_now_and_says_why()
    {
        // Review of issue 8: when the events since the container's creation were not all seen,
        // its last run is unknown, and unknown counts as now — said as such, not "used 0s ago".
        var host = new Host().Image("job", "ci/job:1", TimeSpan.FromDays(2), 1_000_000);
        host.Ledger.EventsCoveredSince = Scene.Now.AddHours(-1);
        host.Scene.Container("build-42", "job", ContainerState.Exited, age: TimeSpan.FromDays(2));

        var (report, text) = host.Plan();

        var review = report.Stage2!.Reviews.Single(r => r.Image.Id == "job");
        Assert.Equal(Verdict.TooYoung, review.Verdict);
        var line = Lines(text).Single(l => l.Contains("ci/job:1", StringComparison.Ordinal) && l.StartsWith("stage 2", StringComparison.Ordinal));
        Assert.Contains("last use unknown: a stopped container from before the ledger's event history holds it", line);
        Assert.Contains("its last use is unknown, so it counts as used now", line);
        Assert.DoesNotContain("used 0s ago", line);
    }

    [Fact]
    public void A_summary_with_nothing_removed_says_stage_2_waited_for_an_untrusted_ledger()
    {
        var snapshot = new Scene().Image("a", "ci/a:1", age: TimeSpan.FromDays(10)).Build();
        var decision = new Policy(Defaults).Decide(snapshot, UsageView.None);
        var summary = ReportSummary.For(RunReport.Planned("run", false, snapshot, decision, decision.Notes));
        Assert.Contains("stage 2 skipped: the usage ledger could not be read", summary);
        Assert.DoesNotContain("nothing is old enough", summary);
    }

    [Fact]
    public void Critical_pressure_with_an_untrusted_ledger_says_why_nothing_acts()
    {
        var snapshot = new Scene().WithDisk(Scene.Disk(95))
            .Container("ci-job", "x", ContainerState.Running, labels: Scene.Labels(("tidemark.busy", "1")))
            .Build();
        var decision = new Policy(Defaults).Decide(snapshot, UsageView.None);
        Assert.Contains(decision.Notes, n => n.Contains("critical pressure", StringComparison.Ordinal) && n.Contains("could not be read", StringComparison.Ordinal));
    }

    [Fact]
    public void Uses_older_than_the_horizon_predict_nothing_and_say_so()
    {
        var host = new Host().Image("old", "ci/old:1", TimeSpan.FromDays(9), 1_000_000);
        var (_, text) = host.Plan(Defaults with { Disk = Defaults.Disk with { LowWatermarkPercent = 1 } });
        var line = Lines(text).Single(l => l.Contains("ci/old:1", StringComparison.Ordinal) && l.StartsWith("stage 2", StringComparison.Ordinal));
        Assert.DoesNotContain("next use expected", line);
        Assert.Contains("no use in the last 2d", line);
    }
}
