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

    /// <summary>How a service names its image: by tag, by digest alone, or by tag and digest.</summary>
    private enum Pin
    {
        Tag,
        Digest,
        TagAndDigest,
    }

    private static readonly Gen<(Snapshot Snapshot, string[] Protect)> Hosts =
        from imageCount in Gen.Int[1, 12]
        from images in Gen.Select(Gen.Bool, Gen.Int[0, 72 * 3600], Gen.Int[-1, 11], Gen.Long[0, 1_000_000], Gen.Bool).Array[imageCount]
        from containers in Gen.Select(Gen.Int[0, imageCount - 1], Gen.Enum<ContainerState>(), Gen.Int[0, 72 * 3600]).Array[0, 8]
        from services in Gen.Select(Gen.Int[0, imageCount - 1], Gen.Enum<Pin>(), Gen.Long[0, 3]).Array[0, 4]
        from protect in Gen.Int[0, imageCount - 1].Array[0, 2]
        select (Build(images, containers, services), protect.Select(p => $"*/app{p}@*").ToArray());

    private static Snapshot Build(
        (bool Tagged, int AgeSeconds, int Parent, long Size, bool Digest)[] images,
        (int Image, ContainerState State, int AgeSeconds)[] containers,
        (int Image, Pin Pin, long Replicas)[] services)
    {
        var scene = new Scene();
        for (var i = 0; i < images.Length; i++)
        {
            var (tagged, age, parent, size, digest) = images[i];
            // Parents point only backwards, as a real image graph does.
            var parentId = parent >= 0 && parent < i ? $"img{parent}" : "";
            scene.Image($"img{i}", tagged ? $"app{i}:1" : null, TimeSpan.FromSeconds(age), size, 0, parentId,
                digest ? $"127.0.0.1:5000/app{i}@sha256:{i:x4}" : null);
        }

        for (var c = 0; c < containers.Length; c++)
        {
            var (image, state, age) = containers[c];
            scene.Container($"c{c}", $"img{image}", state, TimeSpan.FromSeconds(age));
        }

        for (var s = 0; s < services.Length; s++)
        {
            var (image, pin, replicas) = services[s];
            var reference = pin switch
            {
                Pin.Tag => $"app{image}:1",
                Pin.Digest => $"127.0.0.1:5000/app{image}@sha256:{image:x4}",
                _ => $"127.0.0.1:5000/app{image}:1@sha256:{image:x4}",
            };
            scene.Service($"svc{s}", reference, replicas, replicas);
        }

        return scene.Build();
    }

    [Fact]
    public void Never_plans_tagged_young_parent_or_in_use_images_nor_live_containers()
    {
        Hosts.Sample(host =>
        {
            var (snap, protect) = host;
            var protectList = new ProtectList(protect);
            var actions = Stage1Planner.Plan(snap, new PruneSettings { MinAge = MinAge }, protectList);
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

            // The prune endpoint takes every dangling image old enough that no surviving container
            // uses: when stage 1 calls it, none of those may be named by a service or protected.
            if (actions.Any(a => a.Kind == ActionKind.PruneDanglingImages))
            {
                var endpointTakes = snap.Images.Where(i => i.IsUntagged && i.Created <= cutoff && !parents.Contains(i.Id)
                    && !survivors.Any(c => c.ImageId == i.Id));
                foreach (var image in endpointTakes)
                {
                    Assert.DoesNotContain(snap.Services, s => ImageReference.Names(s.Image, image));
                    Assert.Null(protectList.Match(image));
                }
            }

            foreach (var item in actions.Where(a => a.Kind == ActionKind.RemoveImage).SelectMany(a => a.Items))
            {
                var image = snap.Images.Single(i => i.Id == item.Id);
                Assert.DoesNotContain(snap.Services, s => ImageReference.Names(s.Image, image));
                Assert.Null(protectList.Match(image));
            }
        }, iter: 10_000);
    }
}
