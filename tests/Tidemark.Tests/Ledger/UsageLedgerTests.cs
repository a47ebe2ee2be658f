using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Ledger;

public sealed class UsageLedgerTests
{
    private static readonly DateTimeOffset T0 = Scene.Now;

    [Fact]
    public void An_image_first_seen_counts_as_used_now_never_as_old()
    {
        var ledger = new UsageLedger();
        ledger.Observe(new Scene().Image("i1", "app:1", TimeSpan.FromDays(400)).Build());

        var e = ledger.Find("i1")!;
        Assert.Equal(Scene.Now, e.FirstSeen);
        Assert.Equal(Scene.Now, e.LastUsed);
        Assert.Equal(["app:1"], e.References);
        Assert.Equal(Scene.Now.AddDays(3), ledger.LastUsed("never-seen", Scene.Now.AddDays(3)));
    }

    [Fact]
    public void A_running_container_uses_its_image_at_each_snapshot()
    {
        var ledger = new UsageLedger();
        ledger.Observe(new Scene().Image("i1", "app:1").Build());
        var later = new Scene().Image("i1", "app:1").Container("runner", "i1", ContainerState.Running).Build() with { TakenAt = T0.AddHours(5) };
        ledger.Observe(later);
        Assert.Equal(T0.AddHours(5), ledger.Find("i1")!.LastUsed);
        Assert.Equal(T0, ledger.Find("i1")!.FirstSeen);
    }

    [Fact]
    public void A_stopped_container_used_its_image_when_it_was_created_not_at_every_snapshot()
    {
        // Issue 8: "last used 0s ago" on an image nothing had run since a container stopped.
        var ledger = new UsageLedger { EventsCoveredSince = T0.AddDays(-10) };
        ledger.Apply(new UsageEvent(T0.AddDays(-5), UsageKind.ContainerCreated, "i1", "app:1"));
        var later = new Scene().Image("i1", "app:1").Container("stopped", "i1", ContainerState.Exited, age: TimeSpan.FromDays(2)).Build() with { TakenAt = T0.AddHours(5) };
        ledger.Observe(later);
        Assert.Equal(Scene.Now.AddDays(-2), ledger.Find("i1")!.LastUsed);
        Assert.False(ledger.Find("i1")!.LastUseAssumed);
    }

    [Fact]
    public void A_stopped_container_older_than_the_event_history_makes_its_image_used_now_assumed()
    {
        // Unknown counts as now: the container may have run since, unseen.
        var ledger = new UsageLedger { EventsCoveredSince = T0.AddDays(-1) };
        ledger.Apply(new UsageEvent(T0.AddDays(-5), UsageKind.ContainerCreated, "i1", "app:1"));
        var later = new Scene().Image("i1", "app:1").Container("stopped", "i1", ContainerState.Exited, age: TimeSpan.FromDays(2)).Build() with { TakenAt = T0.AddHours(5) };
        ledger.Observe(later);
        Assert.Equal(T0.AddHours(5), ledger.Find("i1")!.LastUsed);
        Assert.True(ledger.Find("i1")!.LastUseAssumed);
    }

    [Fact]
    public void Images_gone_from_the_daemon_are_dropped()
    {
        var ledger = new UsageLedger();
        ledger.Observe(new Scene().Image("i1", "a:1").Image("i2", "b:1").Build());
        ledger.Observe(new Scene().Image("i2", "b:1").Build());
        Assert.Null(ledger.Find("i1"));
        Assert.NotNull(ledger.Find("i2"));
    }

    [Fact]
    public void Container_creations_count_uses_and_keep_the_recent_ones()
    {
        var ledger = new UsageLedger();
        for (var i = 0; i < 20; i++)
        {
            ledger.Apply(new UsageEvent(T0.AddMinutes(i), UsageKind.ContainerCreated, "i1", "app:1"));
        }

        var e = ledger.Find("i1")!;
        Assert.Equal(20, e.UseCount);
        Assert.Equal(UsageLedger.RecentUseLimit, e.RecentUses.Count);
        Assert.Equal(T0.AddMinutes(19), e.RecentUses[^1]);
        Assert.Equal(T0.AddMinutes(4), e.RecentUses[0]);
        Assert.Equal(T0.AddMinutes(19), e.LastUsed);
    }

    [Fact]
    public void Starts_and_arrivals_touch_last_use_without_counting_a_use()
    {
        var ledger = new UsageLedger();
        ledger.Apply(new UsageEvent(T0, UsageKind.ImageArrived, "i1", "registry.local/app:2"));
        ledger.Apply(new UsageEvent(T0.AddHours(1), UsageKind.ContainerActive, "i1", "app:2"));
        var e = ledger.Find("i1")!;
        Assert.Equal(0, e.UseCount);
        Assert.Equal(T0.AddHours(1), e.LastUsed);
        Assert.Equal(["registry.local/app:2", "app:2"], e.References);
    }

    [Fact]
    public void An_old_event_never_moves_last_use_back()
    {
        var ledger = new UsageLedger();
        ledger.Apply(new UsageEvent(T0, UsageKind.ContainerCreated, "i1", null));
        ledger.Apply(new UsageEvent(T0.AddHours(-3), UsageKind.ContainerCreated, "i1", null));
        Assert.Equal(T0, ledger.Find("i1")!.LastUsed);
    }

    [Fact]
    public void Layer_facts_are_cached_per_image()
    {
        var ledger = new UsageLedger();
        ledger.Observe(new Scene().Image("i1", "a:1").Build());
        ledger.CacheLayers("i1", [new LayerFact("sha256:l1", 10)]);
        Assert.Equal(10, ledger.Find("i1")!.Layers!.Single().Size);
    }

    [Fact]
    public void The_event_watermark_only_moves_forward()
    {
        var ledger = new UsageLedger();
        ledger.MarkEventsSeen(T0);
        ledger.MarkEventsSeen(T0.AddHours(-1));
        Assert.Equal(T0, ledger.EventsSeenUntil);
    }
}
