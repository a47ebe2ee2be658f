using Tidemark.Simulation.Traces;

namespace Tidemark.Simulation.Policies;

/// <summary>
/// The offline reference: it knows the future and, just before a pull that does not fit, evicts
/// the layers whose next use is furthest away (Belady at layer granularity). With objects of
/// different sizes this is a strong heuristic, not a proven optimum; a real policy may beat it.
/// </summary>
public sealed class Belady : ISimPolicy, ICountsRemovals
{
    private readonly Dictionary<string, List<int>> _needed = new(StringComparer.Ordinal);

    public Belady(Trace trace)
    {
        for (var i = 0; i < trace.Events.Count; i++)
        {
            if (trace.Events[i].Image is { } image)
            {
                foreach (var l in image.Layers)
                {
                    if (!_needed.TryGetValue(l.Digest, out var list))
                    {
                        _needed[l.Digest] = list = [];
                    }

                    if (list.Count == 0 || list[^1] != i)
                    {
                        list.Add(i);
                    }
                }
            }
        }
    }

    public string Name => "belady";

    public bool OnDemand => true;

    public long Removals { get; private set; }

    public void MakeRoom(SimHost host, TraceImage image, long bytes)
    {
        var store = host.Store;
        var keep = image.Layers.Select(l => l.Digest)
            .Concat(store.InUse.SelectMany(id => store.Images.TryGetValue(id, out var i) ? i.Layers.Select(l => l.Digest) : []))
            .ToHashSet(StringComparer.Ordinal);
        var victims = store.Layers
            .Where(l => !keep.Contains(l.Key))
            .Select(l => (Digest: l.Key, Size: l.Value, Next: NextUse(l.Key, host.EventIndex)))
            .OrderByDescending(v => v.Next)
            .ThenByDescending(v => v.Size)
            .ToList();
        foreach (var v in victims)
        {
            if (store.Free >= bytes)
            {
                return;
            }

            if (store.EvictLayer(v.Digest))
            {
                Removals++;
            }
        }
    }

    private int NextUse(string digest, int after)
    {
        if (!_needed.TryGetValue(digest, out var uses))
        {
            return int.MaxValue;
        }

        var i = uses.BinarySearch(after + 1);
        if (i < 0)
        {
            i = ~i;
        }

        return i < uses.Count ? uses[i] : int.MaxValue;
    }
}
