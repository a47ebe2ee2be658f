using CsCheck;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Planning;

/// <summary>Stage 2 over random layer graphs and usage: the invariants and the accounting hold.</summary>
public sealed class Stage2PropertyTests
{
    private static readonly TimeSpan MinAge = TimeSpan.FromHours(24);

    private sealed record World(Stage2Input Input, IReadOnlySet<string> InUse, IReadOnlySet<string> ServiceNamed, IReadOnlySet<string> Protected);

    private static readonly Gen<World> Worlds =
        from layerCount in Gen.Int[1, 12]
        from sizes in Gen.Long[0, 1000].Array[layerCount]
        from imageCount in Gen.Int[1, 10]
        from images in Gen.Select(
            Gen.Int[0, layerCount - 1].Array[1, 4],   // layers (chain positions) of the image
            Gen.Int[0, 72],                          // hours since last use
            Gen.Int[0, 9],                           // 0: in use, 1: service by tag, 2: protected, 3: service by digest, else free
            Gen.Bool).Array[imageCount]
        from target in Gen.Long[0, 6000]
        select Build(sizes, images, target);

    private static World Build(long[] sizes, (int[] Layers, int Hours, int Role, bool Tagged)[] images, long target)
    {
        var scene = new Scene();
        var layers = new Dictionary<string, IReadOnlyList<LayerFact>>();
        var ledger = new UsageLedger();
        var inUse = new HashSet<string>();
        var named = new HashSet<string>();
        var protect = new HashSet<string>();
        for (var i = 0; i < images.Length; i++)
        {
            var (ls, hours, role, tagged) = images[i];
            var id = $"img{i}";
            var tag = role == 2 ? $"keep/img{i}:1" : $"app{i}:1";
            var digest = $"127.0.0.1:5000/app{i}@sha256:{i:x4}";
            scene.Image(id, tagged || role <= 3 ? tag : null, digest: digest);
            layers[id] = ls.Distinct().Select(l => new LayerFact($"L{l}", sizes[l])).ToList();
            ledger.Apply(new UsageEvent(Scene.Now.AddHours(-hours), UsageKind.ContainerCreated, id, null));
            if (role == 0)
            {
                scene.Container($"c{i}", id, ContainerState.Exited);
                inUse.Add(id);
            }
            else if (role == 1)
            {
                scene.Service($"s{i}", image: tag, replicas: 0, running: 0);
                named.Add(id);
            }
            else if (role == 2)
            {
                protect.Add(id);
            }
            else if (role == 3)
            {
                scene.Service($"s{i}", image: digest, replicas: 0, running: 0);
                named.Add(id);
            }
        }

        var snap = scene.Build();
        var input = new Stage2Input(snap.TakenAt, snap.Images, snap.Containers, snap.Services, layers, ledger,
            LeastRecentlyUsed.Instance, new ProtectList(["keep/*"]), MinAge, target);
        return new World(input, inUse, named, protect);
    }

    [Fact]
    public void Never_selects_an_image_it_must_keep()
    {
        Worlds.Sample(w =>
        {
            var plan = Stage2Planner.Plan(w.Input);
            foreach (var id in plan.Actions.Select(a => a.Items.Single().Id))
            {
                var image = w.Input.Images.Single(i => i.Id == id);
                Assert.NotEmpty(image.RepoTags);
                Assert.DoesNotContain(id, w.InUse);
                Assert.DoesNotContain(id, w.ServiceNamed);
                Assert.DoesNotContain(id, w.Protected);
                Assert.True(w.Input.Now - w.Input.Ledger.LastUsed(id, w.Input.Now) >= MinAge, $"{id} is too young");
            }
        }, iter: 10_000);
    }

    [Fact]
    public void The_bytes_it_claims_are_the_bytes_a_recount_frees()
    {
        Worlds.Sample(w =>
        {
            var plan = Stage2Planner.Plan(w.Input);
            var removed = plan.Actions.Select(a => a.Items.Single().Id).ToHashSet();
            var recount = LayerGraph.FreedByRemoving(w.Input.Images, w.Input.Layers, removed);
            Assert.Equal(recount, plan.FreedBytes);
            Assert.Equal(plan.FreedBytes, plan.Actions.Sum(a => a.EstimatedBytes));
        }, iter: 10_000);
    }

    [Fact]
    public void Every_removal_frees_something_and_it_stops_as_soon_as_the_target_is_met()
    {
        Worlds.Sample(w =>
        {
            var plan = Stage2Planner.Plan(w.Input);
            Assert.All(plan.Actions, a => Assert.True(a.EstimatedBytes > 0, "a removal that frees nothing"));
            if (plan.Actions.Count > 0)
            {
                var beforeLast = plan.FreedBytes - plan.Actions[^1].EstimatedBytes;
                Assert.True(beforeLast < w.Input.TargetBytes, "went on after the target was met");
            }

            if (plan.FreedBytes < w.Input.TargetBytes)
            {
                Assert.NotNull(plan.Shortfall);
            }
        });
    }

    [Fact]
    public void When_nothing_helps_it_removes_nothing()
    {
        // An image in use holds every layer: no removal can free a byte, whatever the target.
        var worlds =
            from layerCount in Gen.Int[1, 10]
            from sizes in Gen.Long[0, 1000].Array[layerCount]
            from images in Gen.Select(Gen.Int[0, layerCount - 1].Array[1, 4], Gen.Int[25, 72]).Array[1, 8]
            from target in Gen.Long[1, 6000]
            select Build(
                sizes,
                [(Enumerable.Range(0, layerCount).ToArray(), 1, 0, true), .. images.Select(x => (x.Item1, x.Item2, 9, true))],
                target);
        worlds.Sample(w =>
        {
            var plan = Stage2Planner.Plan(w.Input);
            Assert.Empty(plan.Actions);
            Assert.Equal(0, plan.FreedBytes);
        });
    }
}
