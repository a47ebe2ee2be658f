using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;

namespace Tidemark.Bench;

/// <summary>
/// A synthetic host: images over shared layers — a few bases, each app image five layers of its
/// own on one base — with a usage history, and a disk over the high watermark so stage 2 plans.
/// </summary>
public sealed record Inventory(Snapshot Snapshot, UsageLedger Ledger, Dictionary<string, IReadOnlyList<LayerFact>> Layers, int LayerCount)
{
    public static Inventory Create(int images, int seed = 1)
    {
        var random = new Random(seed);
        var now = new DateTimeOffset(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);
        var bases = Enumerable.Range(0, 20).Select(b => Enumerable.Range(0, 3).Select(l => new LayerFact($"sha256:base{b}-{l}", 50_000_000)).ToList()).ToList();
        var records = new List<ImageRecord>(images);
        var layers = new Dictionary<string, IReadOnlyList<LayerFact>>(images);
        var ledger = new UsageLedger();
        long total = 0;
        for (var i = 0; i < images; i++)
        {
            var id = $"sha256:{i:x64}";
            var own = Enumerable.Range(0, 5).Select(l => new LayerFact($"sha256:own{i}-{l}", random.Next(1, 100) * 1_000_000L));
            var facts = bases[random.Next(bases.Count)].Concat(own).ToList();
            layers[id] = facts;
            var size = facts.Sum(f => f.Size);
            total += size;
            records.Add(new ImageRecord(id, "", [$"ci/app{i % (images / 4 + 1)}:v{i}"], [], now.AddDays(-random.Next(1, 60)), size, -1));
            for (var u = random.Next(0, 6); u > 0; u--)
            {
                ledger.Apply(new UsageEvent(now.AddHours(-random.Next(25, 24 * 30)), UsageKind.ContainerCreated, id, records[^1].RepoTags[0]));
            }
        }

        var distinctLayers = layers.Values.SelectMany(l => l).Select(l => l.ChainId).Distinct().Count();
        // A disk at 85 %: stage 2 must free about 15 % of it.
        var capacity = (long)(total / 0.85);
        var disk = new DiskReading("/var/lib/docker", capacity, capacity - total, capacity - total, 100_000_000, 90_000_000);
        var snapshot = new Snapshot(now, new DaemonFacts("bench", "1.41", "/var/lib/docker", SwarmRole.None), disk, [], records, [], []);
        ledger.Observe(snapshot);
        return new Inventory(snapshot, ledger, layers, distinctLayers);
    }
}
