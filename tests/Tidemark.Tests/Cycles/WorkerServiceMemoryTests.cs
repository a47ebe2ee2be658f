using Tidemark.Core.Configuration;
using Tidemark.Core.Cycles;
using Tidemark.Core.Inventory;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Cycles;

/// <summary>
/// Issue 12's defect: on a swarm worker, `/services` answers 503, so a service scaled to 0 (its
/// task container removed by swarm) looked like nothing at all, and its image was planned for
/// removal. A worker must never take "cannot see" for "not needed".
/// </summary>
public sealed class WorkerServiceMemoryTests
{
    private static readonly Settings Quick = Settings.Default with { Prune = Settings.Default.Prune with { MinAge = TimeSpan.FromHours(1) } };

    private static RunReport Cycle(Snapshot snapshot, UsageLedger ledger) =>
        new HostCycle<string>(new FakeCycleHost(snapshot) { LayerBytes = 10_000_000_000, Left = null }, new Policy(Quick)).RunAsync(new CycleRequest("plan", Execute: false, DryRun: false, CatchUp: false),
            ledger, true, [], null, TestContext.Current.CancellationToken).AsTask().GetAwaiter().GetResult().Value!;

    private static IReadOnlyDictionary<string, string> TaskLabels(string service) =>
        Scene.Labels(("com.docker.swarm.service.name", service), ("com.docker.swarm.service.id", "svc-" + service), ("com.docker.swarm.task.id", "t1"));

    [Fact]
    public void A_worker_keeps_the_image_of_a_service_it_ran_a_task_of_after_swarm_removed_the_task()
    {
        var ledger = new UsageLedger();
        // Two days ago this worker ran a task of service s3bb; then the service was scaled to 0.
        var before = new Scene().WithSwarm(SwarmRole.Worker).WithDisk(Scene.Disk(40)).Image("sha256:0b", "s3bb:1")
            .Container("s3bb.1.x", "sha256:0b", ContainerState.Running, labels: TaskLabels("s3bb")).Build() with
        { TakenAt = Scene.Now.AddDays(-2) };
        Cycle(before, ledger);

        var now = new Scene().WithSwarm(SwarmRole.Worker).WithDisk(Scene.Disk(85)).Image("sha256:0b", "s3bb:1", size: 10_000_000_000).Build();
        var report = Cycle(now, ledger);

        Assert.DoesNotContain(report.Actions, a => a.Action.Items.Any(i => i.Id == "sha256:0b"));
        var kept = Assert.Single(report.Stage2!.Reviews, r => r.Image.Id == "sha256:0b");
        Assert.Contains("named by service s3bb", kept.Why, StringComparison.Ordinal);
        Assert.Contains("a worker cannot read service specs", kept.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void A_task_seen_only_in_the_event_stream_is_remembered_too()
    {
        // The task ran and was removed between two cycles: no snapshot ever listed its container,
        // but its events did (watch follows them).
        var ledger = new UsageLedger();
        Cycle(new Scene().WithSwarm(SwarmRole.Worker).WithDisk(Scene.Disk(40)).Image("sha256:0b", "batch:1").Build() with { TakenAt = Scene.Now.AddDays(-3) }, ledger);
        ledger.Apply(new UsageEvent(Scene.Now.AddDays(-2), UsageKind.ContainerCreated, "sha256:0b", "batch:1") { SwarmService = "batch" });

        var report = Cycle(new Scene().WithSwarm(SwarmRole.Worker).WithDisk(Scene.Disk(85)).Image("sha256:0b", "batch:1", size: 10_000_000_000).Build(), ledger);

        Assert.DoesNotContain(report.Actions, a => a.Action.Items.Any(i => i.Id == "sha256:0b"));
        var kept = Assert.Single(report.Stage2!.Reviews, r => r.Image.Id == "sha256:0b");
        Assert.Contains("named by service batch (its task ran here 2d ago", kept.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void The_memory_is_bounded_and_a_manager_relies_on_the_services_it_can_read()
    {
        var ledger = new UsageLedger();
        var old = new Scene().WithSwarm(SwarmRole.Worker).WithDisk(Scene.Disk(40)).Image("sha256:0b", "s3bb:1")
            .Container("s3bb.1.x", "sha256:0b", ContainerState.Running, labels: TaskLabels("s3bb")).Build() with
        { TakenAt = Scene.Now.AddDays(-30) };
        Cycle(old, ledger);

        var worker = Cycle(new Scene().WithSwarm(SwarmRole.Worker).WithDisk(Scene.Disk(85)).Image("sha256:0b", "s3bb:1", size: 10_000_000_000).Build(), ledger);
        var manager = Cycle(new Scene().WithSwarm(SwarmRole.Manager).WithDisk(Scene.Disk(85)).Image("sha256:0b", "s3bb:1", size: 10_000_000_000).Build(), ledger);

        // Past [swarm] worker_service_memory (7 days by default) the worker lets it go, as a manager does.
        Assert.Contains(worker.Actions, a => a.Action.Items.Any(i => i.Id == "sha256:0b"));
        Assert.Contains(manager.Actions, a => a.Action.Items.Any(i => i.Id == "sha256:0b"));
    }

    [Fact]
    public void What_a_worker_remembers_is_saved_with_the_ledger()
    {
        var ledger = new UsageLedger();
        var seen = new Scene().WithSwarm(SwarmRole.Worker).WithDisk(Scene.Disk(40)).Image("sha256:0b", "s3bb:1")
            .Container("s3bb.1.x", "sha256:0b", ContainerState.Running, labels: TaskLabels("s3bb")).Build();
        ledger.Observe(seen);
        var dir = Directory.CreateTempSubdirectory("tidemark-worker-").FullName;
        try
        {
            var path = Path.Combine(dir, "ledger.json");
            Assert.Null(Tidemark.Cli.State.LedgerStore.Save(path, ledger));
            var loaded = Tidemark.Cli.State.LedgerStore.Load(path, Scene.Now);

            Assert.True(loaded.Readable);
            Assert.Equal(new SwarmTaskUse("s3bb", "sha256:0b", Scene.Now), loaded.Ledger.Find("sha256:0b")!.SwarmTask);
            Assert.Equal("s3bb", Assert.Single(loaded.Ledger.RememberedServices(Scene.Now, TimeSpan.FromDays(7))).Name);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
