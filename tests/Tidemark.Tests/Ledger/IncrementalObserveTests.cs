using CsCheck;
using Tidemark.Core.Inventory;
using Tidemark.Core.Ledger;

namespace Tidemark.Tests.Ledger;

/// <summary>
/// Observe skips image records it has already folded in (a simulated store hands the same
/// records to every cycle until it changes). Skipping must never change what the ledger holds:
/// a ledger fed fresh copies of every record (so nothing is ever skipped) must end the same.
/// </summary>
public sealed class IncrementalObserveTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    // Two records per image: the same ID under different tags (a tag moved on or off it).
    private static readonly ImageRecord[] Pool =
    [
        .. Enumerable.Range(0, 4).SelectMany(i => new[]
        {
            new ImageRecord($"sha256:{i}", "", [$"app{i}:1"], [], T0, 10, -1),
            new ImageRecord($"sha256:{i}", "", [$"app{i}:2", $"app{i}:latest"], [], T0, 10, -1),
        }),
    ];

    /// <summary>0: observe a subset of the pool; 1: an event for an image; 2: forget an image.</summary>
    private static readonly Gen<(int Kind, int[] Picks, int Image, int Tag)[]> Steps =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, Pool.Length - 1].Array[0, 5], Gen.Int[0, 3], Gen.Int[0, 2]).Array[1, 30];

    [Fact]
    public void Skipping_records_already_folded_in_changes_nothing()
    {
        Steps.Sample(steps =>
        {
            var skipping = new UsageLedger();
            var folding = new UsageLedger();
            var t = T0;
            foreach (var (kind, picks, image, tag) in steps)
            {
                t = t.AddMinutes(1);
                switch (kind)
                {
                    case 0:
                        // One record per ID, as a daemon lists them.
                        var images = picks.Select(p => Pool[p]).DistinctBy(r => r.Id).ToList();
                        skipping.Observe(Snapshot(t, images));
                        folding.Observe(Snapshot(t, [.. images.Select(r => r with { })]));
                        break;
                    case 1:
                        var e = new UsageEvent(t, tag == 0 ? UsageKind.ImageArrived : UsageKind.ContainerCreated, $"sha256:{image}", $"app{image}:{tag}");
                        skipping.Apply(e);
                        folding.Apply(e);
                        break;
                    default:
                        skipping.Forget($"sha256:{image}");
                        folding.Forget($"sha256:{image}");
                        break;
                }

                Assert.Equal(Describe(folding), Describe(skipping));
            }
        }, iter: 2000);
    }

    private static Snapshot Snapshot(DateTimeOffset at, IReadOnlyList<ImageRecord> images) =>
        new(at, new DaemonFacts("20.10.24", "1.41", "/var/lib/docker", SwarmRole.None), new DiskReading("/", 100, 50, 50, 10, 5), [], images, [], []);

    private static string Describe(UsageLedger ledger) => string.Join("\n", ledger.Entries.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e =>
        $"{e.Key} first {e.Value.FirstSeen:O} last {e.Value.LastUsed:O} uses {e.Value.UseCount} refs {string.Join(",", e.Value.References)}"));
}
