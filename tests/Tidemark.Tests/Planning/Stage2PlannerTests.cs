using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Planning;

public sealed class Stage2PlannerTests
{
    private static readonly TimeSpan MinAge = TimeSpan.FromHours(24);

    /// <summary>A host whose images share a base layer B (100) and own a top layer each.</summary>
    private sealed class Host
    {
        public Scene Scene { get; } = new();
        public Dictionary<string, IReadOnlyList<LayerFact>> Layers { get; } = [];
        public UsageLedger Ledger { get; } = new();

        public Host Image(string id, string tag, int lastUsedDaysAgo, params (string Chain, long Size)[] layers)
        {
            Scene.Image(id, tag);
            Layers[id] = layers.Select(l => new LayerFact(l.Chain, l.Size)).ToList();
            Ledger.Apply(new UsageEvent(Scene.Now.AddDays(-lastUsedDaysAgo), UsageKind.ContainerCreated, id, tag));
            return this;
        }

        public Stage2Plan Plan(long target, params string[] protect)
        {
            var snap = Scene.Build();
            return Stage2Planner.Plan(new Stage2Input(snap.TakenAt, snap.Images, snap.Containers, snap.Services, Layers, Ledger,
                LeastRecentlyUsed.Instance, new ProtectList(protect), MinAge, target));
        }
    }

    private static IEnumerable<string> Removed(Stage2Plan plan) => plan.Actions.Select(a => a.Items.Single().Id);

    [Fact]
    public void Removes_least_recently_used_first_and_stops_at_the_target()
    {
        var host = new Host()
            .Image("new", "app:3", 2, ("B", 100), ("n", 30))
            .Image("old", "app:1", 9, ("B", 100), ("o", 10))
            .Image("mid", "app:2", 5, ("B", 100), ("m", 20));

        var plan = host.Plan(target: 25);
        Assert.Equal(["old", "mid"], Removed(plan));
        Assert.Equal(30, plan.FreedBytes);
        Assert.Null(plan.Shortfall);
        Assert.Equal(Verdict.TargetMet, plan.Reviews.Single(r => r.Image.Id == "new").Verdict);
    }

    [Fact]
    public void A_shared_base_is_freed_only_with_its_last_holder()
    {
        var host = new Host()
            .Image("a", "a:1", 9, ("B", 100), ("a", 10))
            .Image("b", "b:1", 8, ("B", 100), ("b", 10));

        var plan = host.Plan(target: 1_000);
        Assert.Equal([10L, 110L], plan.Actions.Select(a => a.EstimatedBytes));
        Assert.Equal(120, plan.FreedBytes);
        Assert.Contains("cannot reach the low watermark", plan.Shortfall);
    }

    [Fact]
    public void An_image_that_frees_nothing_is_not_removed_for_nothing()
    {
        // base:1 is exactly the base layer, held by app:1 too, which is in use.
        var host = new Host()
            .Image("base", "base:1", 30, ("B", 100))
            .Image("app", "app:1", 1, ("B", 100), ("a", 10));
        host.Scene.Container("runner", "app", ContainerState.Running);

        var plan = host.Plan(target: 50);
        Assert.Empty(plan.Actions);
        Assert.Equal(Verdict.FreesNothing, plan.Reviews.Single(r => r.Image.Id == "base").Verdict);
        Assert.Equal(Verdict.InUse, plan.Reviews.Single(r => r.Image.Id == "app").Verdict);
    }

    [Fact]
    public void A_base_image_becomes_worth_removing_once_its_users_are_gone()
    {
        var host = new Host()
            .Image("base", "base:1", 30, ("B", 100))
            .Image("app", "app:1", 20, ("B", 100), ("a", 10));

        var plan = host.Plan(target: 110);
        Assert.Equal(["app", "base"], Removed(plan));
        Assert.Equal(110, plan.FreedBytes);
    }

    [Fact]
    public void Keeps_images_in_use_named_by_services_even_scaled_to_zero_protected_or_too_young()
    {
        var host = new Host()
            .Image("stopped", "job:1", 30, ("B", 1), ("s", 10))
            .Image("svc", "web:1", 30, ("B", 1), ("w", 10))
            .Image("prot", "postgres:16", 30, ("B", 1), ("p", 10))
            .Image("young", "fresh:1", 0, ("B", 1), ("y", 10))
            .Image("free", "old:1", 30, ("B", 1), ("f", 10));
        host.Scene.Container("exited-job", "stopped", ContainerState.Exited);
        host.Scene.Service("web", image: "web:1@sha256:zzz", replicas: 0, running: 0);

        var plan = host.Plan(target: 1_000, "postgres:*");
        Assert.Equal(["free"], Removed(plan));
        var verdicts = plan.Reviews.ToDictionary(r => r.Image.Id, r => r.Verdict);
        Assert.Equal(Verdict.InUse, verdicts["stopped"]);
        Assert.Equal(Verdict.Service, verdicts["svc"]);
        Assert.Equal(Verdict.Protected, verdicts["prot"]);
        Assert.Equal(Verdict.TooYoung, verdicts["young"]);
        Assert.Contains("scaled to 0", plan.Reviews.Single(r => r.Image.Id == "svc").Why);
        Assert.Contains("1 in use by containers, 1 named by services, 1 protected, 1 used too recently", plan.Shortfall);
    }

    [Fact]
    public void Children_go_before_their_parents()
    {
        var host = new Host()
            .Image("parent", "builder:1", 30, ("P", 50))
            .Image("child", "app:1", 10, ("P", 50), ("c", 5));
        host.Scene.Build();
        // Classic-builder parent link.
        var snap = host.Scene.Build();
        var images = snap.Images.Select(i => i.Id == "child" ? i with { ParentId = "parent" } : i).ToList();
        var plan = Stage2Planner.Plan(new Stage2Input(snap.TakenAt, images, [], [], host.Layers, host.Ledger,
            LeastRecentlyUsed.Instance, ProtectList.Empty, MinAge, 1_000));

        Assert.Equal(["child", "parent"], Removed(plan));
    }

    [Fact]
    public void A_parent_whose_child_stays_is_kept_with_a_reason()
    {
        var host = new Host()
            .Image("parent", "builder:1", 30, ("P", 50))
            .Image("child", "app:1", 0, ("P", 50), ("c", 5));
        var snap = host.Scene.Build();
        var images = snap.Images.Select(i => i.Id == "child" ? i with { ParentId = "parent" } : i).ToList();
        var plan = Stage2Planner.Plan(new Stage2Input(snap.TakenAt, images, [], [], host.Layers, host.Ledger,
            LeastRecentlyUsed.Instance, ProtectList.Empty, MinAge, 1_000));

        Assert.Empty(plan.Actions);
        Assert.Equal(Verdict.HasChildren, plan.Reviews.Single(r => r.Image.Id == "parent").Verdict);
    }

    [Fact]
    public void Nothing_to_free_plans_nothing()
    {
        var host = new Host().Image("a", "a:1", 30, ("A", 10));
        var plan = host.Plan(target: 0);
        Assert.Empty(plan.Actions);
        Assert.Null(plan.Shortfall);
    }

    [Fact]
    public void Policy_runs_stage_2_after_stage_1_and_only_for_what_stage_1_leaves()
    {
        var scene = new Scene().WithDisk(Scene.Disk(85, total: 1_000));
        scene.Image("dangling", null, TimeSpan.FromDays(9), size: 40, shared: 0);
        scene.Image("a", "a:1").Image("b", "b:1");
        var snap = scene.Build();
        var ledger = new UsageLedger();
        ledger.Apply(new UsageEvent(Scene.Now.AddDays(-5), UsageKind.ContainerCreated, "a", null));
        ledger.Apply(new UsageEvent(Scene.Now.AddDays(-3), UsageKind.ContainerCreated, "b", null));
        var layers = new Dictionary<string, IReadOnlyList<LayerFact>>
        {
            ["dangling"] = [new LayerFact("d", 40)],
            ["a"] = [new LayerFact("la", 60)],
            ["b"] = [new LayerFact("lb", 60)],
        };

        var decision = new Policy(Settings.Default).Decide(snap, new UsageView(ledger, layers));

        // 85% of 1000 → below 70% means freeing 160: stage 1 frees 40, stage 2 the LRU image and then the next.
        Assert.Equal([ActionKind.PruneDanglingImages, ActionKind.RemoveImage, ActionKind.RemoveImage], decision.Actions.Select(a => a.Kind));
        Assert.Equal(["a", "b"], decision.Actions.Skip(1).Select(a => a.Items.Single().Id));
        Assert.Contains(decision.Notes, n => n.StartsWith("stage 2 target: free 120 B more"));
    }

    [Fact]
    public void Critical_pressure_acts_during_a_run_on_images_no_container_uses_and_none_in_flight()
    {
        var runLabels = Scene.Labels(("tidemark.busy", "1"));
        var scene = new Scene().WithDisk(Scene.Disk(95, total: 1_000));
        scene.Image("running", "run:1").Image("fresh", "fresh:1").Image("old", "old:1").Image("dangling", null, TimeSpan.FromDays(9), size: 40);
        scene.Container("job", "running", ContainerState.Running, labels: runLabels);
        var snap = scene.Build();
        var ledger = new UsageLedger();
        ledger.Apply(new UsageEvent(Scene.Now.AddDays(-3), UsageKind.ContainerCreated, "old", "old:1"));
        ledger.Apply(new UsageEvent(Scene.Now.AddMinutes(-2), UsageKind.ImageArrived, "fresh", "fresh:1"));
        ledger.Apply(new UsageEvent(Scene.Now.AddDays(-3), UsageKind.ContainerCreated, "running", "run:1"));
        var layers = new Dictionary<string, IReadOnlyList<LayerFact>>
        {
            ["running"] = [new LayerFact("r", 300)],
            ["fresh"] = [new LayerFact("f", 300)],
            ["old"] = [new LayerFact("o", 300)],
            ["dangling"] = [new LayerFact("d", 40)],
        };

        var decision = new Policy(Settings.Default).Decide(snap, new UsageView(ledger, layers));

        Assert.False(decision.Gates.AllPassed);
        Assert.True(decision.Critical);
        Assert.True(decision.Allowed);
        // Only stage 2, by ID: no prune while the run is live, so the dangling image waits too.
        Assert.Equal(["old"], decision.Actions.Select(a => a.Items.Single().Id));
        Assert.All(decision.Actions, a => Assert.Equal(ActionKind.RemoveImage, a.Kind));
        Assert.StartsWith("critical pressure: disk at 95% (>= 90%) while the idle gate holds", decision.Notes[0]);
    }

    [Fact]
    public void Below_the_critical_watermark_a_live_run_still_blocks_everything()
    {
        var snap = new Scene().WithDisk(Scene.Disk(89, total: 1_000)).Image("old", "old:1")
            .Container("job", "x", ContainerState.Running, labels: Scene.Labels(("tidemark.busy", "1"))).Build();
        var decision = new Policy(Settings.Default).Decide(snap, new UsageView(new UsageLedger(),
            new Dictionary<string, IReadOnlyList<LayerFact>> { ["old"] = [new LayerFact("o", 300)] }));
        Assert.False(decision.Allowed);
        Assert.Empty(decision.Actions);
    }

    [Fact]
    public void Policy_does_not_evict_on_an_unreadable_ledger()
    {
        var snap = new Scene().WithDisk(Scene.Disk(95)).Image("a", "a:1").Build();
        var decision = new Policy(Settings.Default).Decide(snap, UsageView.None);
        Assert.Empty(decision.Actions);
        Assert.Contains(decision.Notes, n => n.StartsWith("stage 2 skipped: the usage ledger could not be read"));
    }

    [Fact]
    public void Inode_pressure_passes_the_gate_and_sets_a_byte_target()
    {
        // Bytes at 40%, inodes at 90%: 900k of 1M inodes for 40 GB, ~44 kB per inode.
        var disk = new DiskReading("/var/lib/docker", 100_000_000_000, 60_000_000_000, 60_000_000_000, 1_000_000, 100_000);
        var gate = Tidemark.Core.Gates.DiskGate.Evaluate(disk, new DiskSettings());
        Assert.True(gate.Passed);
        Assert.Contains("inodes at 90%", gate.Reason);
        // Below 70% of inodes (df rounds up): at most 690,000 used, so free 210,000.
        Assert.Equal(210_000, disk.InodesToFreeForBelow(70));
    }
}
