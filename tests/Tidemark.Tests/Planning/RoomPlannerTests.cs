using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Planning;

public sealed class RoomPlannerTests
{
    /// <summary>A 10,000-byte disk (so percentages are easy), a ledger, layer facts, and what prepare asks for.</summary>
    private sealed class Host
    {
        public Scene Scene { get; } = new();
        public Dictionary<string, IReadOnlyList<LayerFact>> Layers { get; } = [];
        public UsageLedger Ledger { get; } = new();
        public Dictionary<string, string> Requested { get; } = [];
        public List<IncomingImage> Incoming { get; } = [];
        public List<string> Protect { get; } = [];
        public long Used { get; set; } = 8_000;
        public int High { get; set; } = 80;
        public TimeSpan MinAge { get; set; } = TimeSpan.FromHours(24);
        public TimeSpan CriticalMinAge { get; set; } = TimeSpan.FromMinutes(10);
        public bool LedgerReadable { get; set; } = true;

        /// <summary>A tagged (or, with a null tag, dangling) image last used <paramref name="lastUsed"/> ago, with its own layer of <paramref name="size"/> bytes and any shared ones.</summary>
        public Host Image(string id, string? tag, TimeSpan lastUsed, long size, params (string Chain, long Size)[] shared)
        {
            Scene.Image(id, tag, size: size + shared.Sum(s => s.Size));
            Layers[id] = [.. shared.Select(s => new LayerFact(s.Chain, s.Size)), new LayerFact("own-" + id, size)];
            Ledger.Apply(new UsageEvent(Scene.Now - lastUsed, UsageKind.ContainerCreated, id, tag));
            return this;
        }

        public Host Pull(string reference, long needed, params (string Chain, long Size)[] here)
        {
            Incoming.Add(new IncomingImage(reference, new PullEstimate(needed, needed, 0, here.Length + 1,
                here.Select(h => new LayerFact(h.Chain, h.Size)).ToList(), EstimateBasis.DefaultFactor, 2.5, "test")));
            return this;
        }

        public RoomPlan Plan()
        {
            var snap = Scene.WithDisk(new DiskReading("/var/lib/docker", 10_000, 10_000 - Used, 10_000 - Used, 1_000, 500)).Build();
            var settings = new Settings
            {
                Disk = new DiskSettings { HighWatermarkPercent = High, LowWatermarkPercent = High - 10 },
                Prune = new PruneSettings { MinAge = MinAge, CriticalMinAge = CriticalMinAge, Protect = Protect, EvictionOrder = "lru" },
            };
            return RoomPlanner.Plan(new RoomInput(snap, new UsageView(LedgerReadable ? Ledger : null, Layers), settings, Incoming) { Requested = Requested });
        }
    }

    private static readonly TimeSpan Days3 = TimeSpan.FromDays(3);

    private static List<string> Removed(RoomPlan plan) => plan.Actions.Select(a => a.Items.Single().Id).ToList();

    private static string Why(RoomPlan plan, string id) => plan.Reviews.Single(r => r.Image.Id == id).Why;

    [Fact]
    public void Nothing_is_removed_when_the_pulls_fit_below_the_high_watermark()
    {
        // 60% used, 1,000 bytes to pull: 70% after, below 80%.
        var host = new Host { Used = 6_000 }.Image("old", "old:1", Days3, 2_000).Pull("app:2", 1_000);

        var plan = host.Plan();

        Assert.True(plan.RoomMade);
        Assert.Empty(plan.Actions);
        Assert.Equal(0, plan.HardBytes);
        Assert.Equal(0, plan.SoftBytes);
        Assert.Contains("they fit and the disk stays below the high watermark 80%", plan.Target, StringComparison.Ordinal);
    }

    [Fact]
    public void Removes_least_valuable_first_and_stops_once_the_disk_stays_below_the_high_watermark()
    {
        // 75% used, 1,500 to pull: 90% after; below 80% means at most 7,900 used, so 1,100 must go.
        var host = new Host { Used = 7_500 }
            .Image("oldest", "a:1", TimeSpan.FromDays(9), 1_000)
            .Image("older", "b:1", TimeSpan.FromDays(5), 1_000)
            .Image("recent", "c:1", TimeSpan.FromDays(2), 1_000)
            .Pull("app:2", 1_500);

        var plan = host.Plan();

        Assert.True(plan.RoomMade);
        Assert.Equal(0, plan.HardBytes);
        Assert.Equal(1_100, plan.SoftBytes);
        Assert.Equal(["oldest", "older"], Removed(plan));
        Assert.Equal(2_000, plan.FreedBytes);
        Assert.Equal("keep: the target is met before it", Why(plan, "recent"));
        Assert.Null(plan.Headroom);
        Assert.True(plan.PercentAfter < 80, $"{plan.PercentAfter}% after");
    }

    [Fact]
    public void Never_removes_an_image_a_container_uses_a_service_names_a_glob_protects_in_flight_or_requested()
    {
        var host = new Host { Used = 9_500 }
            .Image("running", "run:1", Days3, 500)
            .Image("stopped", "stop:1", Days3, 500)
            .Image("service", "svc:1", Days3, 500)
            .Image("pinned", null, Days3, 500)
            .Image("protected", "postgres:16", Days3, 500)
            .Image("inflight", "flight:1", TimeSpan.FromMinutes(3), 500)
            .Image("requested", "want:1", Days3, 500)
            .Image("free", "free:1", Days3, 500)
            .Pull("app:2", 3_000);
        host.Scene.Container("job", "running", ContainerState.Running, labels: Scene.Labels(("tidemark.busy", "1")));
        host.Scene.Container("done", "stopped", ContainerState.Exited);
        host.Scene.Service("web", image: "svc:1", replicas: 0, running: 0);
        // "pinned" is dangling, but a service names it by digest.
        host.Scene.Image("pinned2", null, digest: "127.0.0.1:5000/pin@sha256:abcd");
        host.Layers["pinned2"] = [new LayerFact("own-pinned2", 400)];
        host.Ledger.Apply(new UsageEvent(Scene.Now - Days3, UsageKind.ImageArrived, "pinned2", null));
        host.Scene.Service("pinned", image: "127.0.0.1:5000/pin@sha256:abcd", replicas: 1, running: 1);
        host.Protect.Add("postgres:*");
        host.Requested["requested"] = "requested by this prepare (want:1)";

        var plan = host.Plan();

        // 3,000 needed with 500 available: only "free" (500) and the dangling "pinned" (500) may go: far too little.
        Assert.False(plan.RoomMade);
        Assert.Empty(plan.Actions);
        Assert.Equal(0, plan.FreedBytes);
        Assert.Contains("cannot make room", plan.Shortfall, StringComparison.Ordinal);
        Assert.Contains("nothing removed", plan.Shortfall, StringComparison.Ordinal);
        Assert.StartsWith("keep: in use by container job", Why(plan, "running"), StringComparison.Ordinal);
        Assert.StartsWith("keep: held by stopped container done", Why(plan, "stopped"), StringComparison.Ordinal);
        Assert.Equal("keep: named by service web, scaled to 0", Why(plan, "service"));
        Assert.Equal("keep: named by service pinned", Why(plan, "pinned2"));
        Assert.Equal("keep: protected (postgres:*)", Why(plan, "protected"));
        Assert.StartsWith("keep: used 3m ago, younger than critical_min_age 10m", Why(plan, "inflight"), StringComparison.Ordinal);
        Assert.Equal("keep: requested by this prepare (want:1)", Why(plan, "requested"));
        Assert.Contains("but the room cannot be made, so nothing is removed", Why(plan, "free"), StringComparison.Ordinal);
        Assert.Contains("1 in use by containers", plan.Shortfall, StringComparison.Ordinal);
        Assert.Contains("1 requested", plan.Shortfall, StringComparison.Ordinal);
        Assert.Contains("2 named by services", plan.Shortfall, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_host_with_room_enough_removes_only_what_may_go()
    {
        var host = new Host { Used = 9_000 }
            .Image("running", "run:1", Days3, 500)
            .Image("inflight", "flight:1", TimeSpan.FromMinutes(3), 500)
            .Image("requested", "want:1", Days3, 500)
            .Image("protected", "postgres:16", Days3, 500)
            .Image("free1", "free:1", TimeSpan.FromDays(4), 500)
            .Image("free2", "free:2", Days3, 500)
            .Pull("app:2", 1_500);
        host.Scene.Container("job", "running", ContainerState.Running);
        host.Protect.Add("postgres:*");
        host.Requested["requested"] = "requested by this prepare (want:1)";

        var plan = host.Plan();

        Assert.True(plan.RoomMade);
        Assert.Equal(["free1", "free2"], Removed(plan));
        // 1,500 needed, 1,000 available: 500 for the room, and the rest of the way below 80% cannot be had.
        Assert.Equal(500, plan.HardBytes);
        Assert.NotNull(plan.Headroom);
        Assert.Contains("at or above the high watermark 80%", plan.Headroom, StringComparison.Ordinal);
    }

    [Fact]
    public void Headroom_comes_only_from_images_unused_for_min_age_the_room_from_those_unused_for_critical_min_age()
    {
        // 2,000 needed, 1,000 available: 1,000 is the room. Images unused for a day give only 500.
        var host = new Host { Used = 9_000 }
            .Image("old", "old:1", Days3, 500)
            .Image("hour", "hour:1", TimeSpan.FromHours(1), 700)
            .Image("recent", "recent:1", TimeSpan.FromHours(2), 700)
            .Pull("app:2", 2_000);

        var plan = host.Plan();

        Assert.True(plan.RoomMade);
        // From everything older than 10 minutes, least recently used first, just to the room: 1,200 ≥ 1,000.
        Assert.Equal(["old", "recent"], Removed(plan));
        Assert.Contains("the room comes from images unused for critical_min_age 10m, and no more than it", plan.Headroom, StringComparison.Ordinal);
        Assert.Equal("keep: the target is met before it", Why(plan, "hour"));
    }

    [Fact]
    public void Dangling_images_go_before_tagged_ones()
    {
        var host = new Host { Used = 8_000 }
            .Image("tagged", "old:1", TimeSpan.FromDays(30), 1_000)
            .Image("dangling", null, Days3, 1_000)
            .Pull("app:2", 500);

        var plan = host.Plan();

        Assert.Equal(["dangling"], Removed(plan));
        Assert.StartsWith("remove: dangling (no tag), no container uses it, last used 3d ago, frees 1 kB", Why(plan, "dangling"), StringComparison.Ordinal);
        Assert.Equal(1, plan.Actions[0].Stage);
    }

    [Fact]
    public void A_layer_the_pull_reuses_is_not_counted_as_freed()
    {
        // app:1 shares its base B (1,000) with app:2 being pulled: removing app:1 frees only its own 300.
        var host = new Host { Used = 8_000 }
            .Image("app1", "app:1", Days3, 300, ("B", 1_000))
            .Image("other", "other:1", TimeSpan.FromDays(2), 600)
            .Pull("app:2", 500, ("B", 1_000));

        var plan = host.Plan();

        // 500 to pull at 80%: below 80% needs 600 freed: app1 (300), then other (600).
        Assert.Equal(600, plan.SoftBytes);
        Assert.Equal(["app1", "other"], Removed(plan));
        Assert.Equal([300L, 600L], plan.Actions.Select(a => a.EstimatedBytes));
        Assert.Equal(900, plan.FreedBytes);
    }

    [Fact]
    public void Without_a_ledger_nothing_is_evicted_on_a_guess()
    {
        var host = new Host { Used = 9_500, LedgerReadable = false }.Image("old", "old:1", Days3, 2_000).Pull("app:2", 1_000);

        var plan = host.Plan();

        Assert.False(plan.RoomMade);
        Assert.Empty(plan.Actions);
        Assert.Contains("the usage ledger could not be read", plan.Shortfall, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_prepares_pulls_are_counted_and_the_layers_they_reuse_kept()
    {
        var host = new Host { Used = 7_000 }
            .Image("base", "base:1", Days3, 0, ("B", 1_500))
            .Image("old", "old:1", TimeSpan.FromDays(9), 1_000);
        host.Pull("app:2", 500);
        host.Incoming.Add(new IncomingImage("prepare PID 42", new PullEstimate(1_000, 1_000, 0, 0, [new LayerFact("B", 1_500)], EstimateBasis.Ledger, null, "x"))
        {
            PulledBy = "prepare PID 42",
        });

        var plan = host.Plan();

        Assert.Equal(1_500, plan.NeededBytes);
        Assert.Contains("1 kB of it for prepare PID 42 pulling now", plan.Target, StringComparison.Ordinal);
        // Below 80% after 1,500 more: 600 to free. base:1 would free nothing: its layer is held for the other pull.
        Assert.Equal(["old"], Removed(plan));
        Assert.Equal("keep: frees nothing, its layers are shared with images that stay", Why(plan, "base"));
    }

    [Fact]
    public void A_shortfall_removes_nothing_even_what_could_have_gone()
    {
        var host = new Host { Used = 9_000 }
            .Image("a", "a:1", Days3, 300)
            .Image("b", "b:1", Days3, 300)
            .Pull("big:1", 5_000);

        var plan = host.Plan();

        Assert.False(plan.RoomMade);
        Assert.Empty(plan.Actions);
        Assert.Equal(0, plan.FreedBytes);
        Assert.Equal(4_000, plan.HardBytes);
        Assert.Contains("every image that may go would free only 600 B (3.4 kB short)", plan.Shortfall, StringComparison.Ordinal);
        Assert.All(plan.Reviews, r => Assert.False(r.Removed));
    }

    [Fact]
    public void Random_hosts_never_lose_an_image_the_invariants_keep_and_a_made_room_covers_the_pulls()
    {
        for (var seed = 0; seed < 2_000; seed++)
        {
            var random = new Random(seed);
            var host = new Host { Used = random.Next(5_000, 9_900), High = random.Next(60, 100) };
            var kept = new HashSet<string>();
            var count = random.Next(1, 9);
            for (var i = 0; i < count; i++)
            {
                var id = $"i{i}";
                var role = random.Next(8);
                var tag = role == 7 ? null : role == 3 ? $"postgres:{i}" : $"app{i}:1";
                var age = role == 4 ? TimeSpan.FromMinutes(random.Next(0, 10)) : TimeSpan.FromHours(random.Next(1, 100));
                host.Image(id, tag, age, random.Next(0, 800), random.Next(2) == 0 ? [("B", 400)] : []);
                switch (role)
                {
                    case 0:
                        host.Scene.Container($"c{i}", id, random.Next(2) == 0 ? ContainerState.Running : ContainerState.Exited);
                        kept.Add(id);
                        break;
                    case 1:
                        host.Scene.Service($"s{i}", image: $"app{i}:1", replicas: random.Next(2), running: 0);
                        kept.Add(id);
                        break;
                    case 2:
                        host.Requested[id] = "requested by this prepare";
                        kept.Add(id);
                        break;
                    case 3:
                        kept.Add(id);
                        break;
                    case 4:
                        kept.Add(id);
                        break;
                }
            }

            host.Protect.Add("postgres:*");
            host.Pull("app:9", random.Next(0, 3_000), random.Next(2) == 0 ? [("B", 400)] : []);

            var plan = host.Plan();

            var removed = Removed(plan);
            Assert.All(removed, id => Assert.DoesNotContain(id, kept));
            if (plan.RoomMade)
            {
                Assert.True(plan.FreedBytes >= plan.HardBytes, $"seed {seed}: freed {plan.FreedBytes} < room {plan.HardBytes}");
                var snap = host.Scene.Build();
                var images = snap.Images.Append(new ImageRecord("incoming", "", ["app:9"], [], Scene.Now, 0, -1)).ToList();
                var layers = new Dictionary<string, IReadOnlyList<LayerFact>>(host.Layers) { ["incoming"] = host.Incoming[0].Estimate.LayersHere };
                Assert.Equal(LayerGraph.FreedByRemoving(images, layers, removed.ToHashSet()), plan.FreedBytes);
            }
            else
            {
                Assert.Empty(removed);
            }
        }
    }
}
