using CsCheck;
using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;
using Tidemark.Core.Planning;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Planning;

/// <summary>Stage 1 over random hosts: the invariants hold whatever the inventory.</summary>
public sealed class Stage1PropertyTests
{
    private static readonly TimeSpan MinAge = TimeSpan.FromHours(24);

    private static readonly Gen<Snapshot> Hosts =
        from imageCount in Gen.Int[1, 12]
        from images in Gen.Select(Gen.Bool, Gen.Int[0, 72 * 3600], Gen.Int[-1, 11], Gen.Long[0, 1_000_000]).Array[imageCount]
        from containers in Gen.Select(Gen.Int[0, imageCount - 1], Gen.Enum<ContainerState>(), Gen.Int[0, 72 * 3600]).Array[0, 8]
        select Build(images, containers);

    private static Snapshot Build((bool Tagged, int AgeSeconds, int Parent, long Size)[] images, (int Image, ContainerState State, int AgeSeconds)[] containers)
    {
        var scene = new Scene();
        for (var i = 0; i < images.Length; i++)
        {
            var (tagged, age, parent, size) = images[i];
            // Parents point only backwards, as a real image graph does.
            var parentId = parent >= 0 && parent < i ? $"img{parent}" : "";
            scene.Image($"img{i}", tagged ? $"app{i}:1" : null, TimeSpan.FromSeconds(age), size, 0, parentId);
        }

        for (var c = 0; c < containers.Length; c++)
        {
            var (image, state, age) = containers[c];
            scene.Container($"c{c}", $"img{image}", state, TimeSpan.FromSeconds(age));
        }

        return scene.Build();
    }

    [Fact]
    public void Never_plans_tagged_young_parent_or_in_use_images_nor_live_containers()
    {
        Hosts.Sample(snap =>
        {
            var actions = Stage1Planner.Plan(snap, new PruneSettings { MinAge = MinAge }, ProtectList.Empty);
            var cutoff = snap.TakenAt - MinAge;
            var prunedContainers = actions.Where(a => a.Kind == ActionKind.PruneContainers).SelectMany(a => a.Items).Select(i => i.Id).ToHashSet();
            var survivors = snap.Containers.Where(c => !prunedContainers.Contains(c.Id)).ToList();
            var parents = snap.Images.Select(i => i.ParentId).ToHashSet();

            foreach (var id in prunedContainers)
            {
                var c = snap.Containers.Single(x => x.Id == id);
                Assert.True(c.IsStopped, $"planned live container {c.Name} ({c.State})");
                Assert.True(c.Created <= cutoff, $"planned young container {c.Name}");
            }

            foreach (var item in actions.Where(a => a.Kind is ActionKind.PruneDanglingImages or ActionKind.RemoveImage).SelectMany(a => a.Items))
            {
                var image = snap.Images.Single(i => i.Id == item.Id);
                Assert.True(image.IsUntagged, $"planned tagged image {image.DisplayName}");
                Assert.True(image.Created <= cutoff, $"planned young image {image.Id}");
                Assert.DoesNotContain(image.Id, parents);
                Assert.DoesNotContain(survivors, c => c.ImageId == image.Id);
            }
        });
    }
}
