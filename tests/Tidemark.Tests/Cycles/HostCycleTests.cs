using Tidemark.Core.Configuration;
using Tidemark.Core.Cycles;
using Tidemark.Core.Inventory;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Cycles;

/// <summary>
/// The cycle the daemon and the simulator share, against a fake host (as kubelet's image GC is
/// tested against a fake runtime): which ports it calls, when, and what it does with the answers.
/// </summary>
public sealed class HostCycleTests
{
    private static readonly Settings Quick = Settings.Default with
    {
        Prune = Settings.Default.Prune with { MinAge = TimeSpan.FromHours(1) },
    };

    /// <summary>A ledger that met the images two days ago, so stage 2 may consider them.</summary>
    private static UsageLedger KnownLedger(Snapshot snapshot)
    {
        var ledger = new UsageLedger();
        ledger.Observe(snapshot with { TakenAt = Scene.Now.AddDays(-2) });
        return ledger;
    }

    private static Outcome<RunReport, string> Run(FakeCycleHost host, Snapshot snapshot, bool execute = true, bool catchUp = false, bool readable = true, UsageLedger? ledger = null) =>
        new HostCycle<string>(host, new Policy(Quick)).RunAsync(new CycleRequest("run", execute, DryRun: false, catchUp),
            ledger ?? KnownLedger(snapshot), readable, [], null, TestContext.Current.CancellationToken).AsTask().GetAwaiter().GetResult();

    [Fact]
    public void Below_the_high_watermark_it_reads_no_layers_and_carries_out_nothing()
    {
        var snapshot = new Scene().WithDisk(Scene.Disk(40)).Image("a", "app:1").Build();
        var host = new FakeCycleHost(snapshot);

        var report = Run(host, snapshot);

        Assert.True(report.IsOk);
        Assert.Equal(["read(sizes=False)"], host.Calls);
        Assert.False(report.Value!.Allowed);
    }

    [Fact]
    public void Under_pressure_it_reads_layers_once_then_executes_the_plan_and_forgets_what_went()
    {
        var snapshot = new Scene().WithDisk(Scene.Disk(85)).Image("old", "app:1", size: 10_000_000_000).Image("kept", "app:2", size: 100)
            .Container("web", "kept", ContainerState.Running).Build();
        var host = new FakeCycleHost(snapshot);
        var ledger = KnownLedger(snapshot);

        var report = Run(host, snapshot, ledger: ledger);

        Assert.True(report.IsOk);
        Assert.Equal(["read(sizes=True)", "layers(2)", $"execute({report.Value!.Actions.Count})", "disk-after", "images-left"], host.Calls);
        Assert.Equal("old", Assert.Single(report.Value.Actions, a => a.Action.Kind == ActionKind.RemoveImage).Action.Items[0].Id);
        Assert.Null(ledger.Find("old"));
        Assert.NotNull(ledger.Find("kept"));
    }

    [Fact]
    public void A_removal_refused_as_in_use_counts_as_a_use_in_the_ledger()
    {
        var snapshot = new Scene().WithDisk(Scene.Disk(85)).Image("old", "app:1", size: 10_000_000_000).Build();
        var host = new FakeCycleHost(snapshot) { Refuse = { "old" } };
        var ledger = KnownLedger(snapshot);

        Run(host, snapshot, ledger: ledger);

        Assert.Equal(Scene.Now, ledger.Find("old")!.LastUsed);
    }

    [Fact]
    public void Plan_decides_without_executing()
    {
        var snapshot = new Scene().WithDisk(Scene.Disk(85)).Image("old", "app:1", size: 10_000_000_000).Build();
        var host = new FakeCycleHost(snapshot);

        var report = Run(host, snapshot, execute: false);

        Assert.DoesNotContain(host.Calls, c => c.StartsWith("execute", StringComparison.Ordinal));
        Assert.All(report.Value!.Actions, a => Assert.Equal(ActionStatus.Planned, a.Status));
    }

    [Fact]
    public void A_host_that_cannot_be_read_ends_the_cycle_with_its_error()
    {
        var snapshot = new Scene().WithDisk(Scene.Disk(40)).Build();
        var host = new FakeCycleHost(snapshot) { ReadError = "daemon gone" };

        var report = Run(host, snapshot);

        Assert.Equal("daemon gone", report.Error);
        Assert.Equal(["read(sizes=False)"], host.Calls);
    }

    [Fact]
    public void It_catches_up_only_when_asked_and_reports_the_hosts_warning()
    {
        var snapshot = new Scene().WithDisk(Scene.Disk(40)).Build();
        var host = new FakeCycleHost(snapshot);

        var report = Run(host, snapshot, catchUp: true);

        Assert.Equal(["read(sizes=False)", "catch-up"], host.Calls);
        Assert.Contains("warning: replayed 256 events", report.Value!.Notes);
    }

    [Fact]
    public void With_an_unreadable_ledger_it_reads_no_layers_and_plans_no_stage_2()
    {
        var snapshot = new Scene().WithDisk(Scene.Disk(85)).Image("old", "app:1", size: 10_000_000_000).Build();
        var host = new FakeCycleHost(snapshot);

        var report = Run(host, snapshot, readable: false);

        Assert.DoesNotContain(host.Calls, c => c.StartsWith("layers", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Value!.Actions, a => a.Action.Kind == ActionKind.RemoveImage);
    }

    [Fact]
    public void After_a_signal_the_ledger_keeps_its_entries_for_the_next_snapshot_to_settle()
    {
        var snapshot = new Scene().WithDisk(Scene.Disk(85)).Image("old", "app:1", size: 10_000_000_000).Build();
        var host = new FakeCycleHost(snapshot) { HaltWith = new Halt(HaltKind.Signal, "SIGTERM") };
        var ledger = KnownLedger(snapshot);

        Run(host, snapshot, ledger: ledger);

        Assert.DoesNotContain("images-left", host.Calls);
        Assert.NotNull(ledger.Find("old"));
    }
}
