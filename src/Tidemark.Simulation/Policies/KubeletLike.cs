using Tidemark.Simulation.Traces;

namespace Tidemark.Simulation.Policies;

/// <summary>
/// kubelet's image GC: every 5 minutes, if use is at or above 85 %, remove unused images least
/// recently used first (none younger than 2 minutes) until use is projected at or below 80 % —
/// projecting with each image's full size, so shared layers are counted as freed when they are not.
/// </summary>
public sealed class KubeletLike : ISimPolicy, ICountsRemovals
{
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MinAge = TimeSpan.FromMinutes(2);
    private readonly LastUse _lastUse = new();
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    public string Name => "kubelet-like";

    public long Removals { get; private set; }

    public void Observe(TraceEvent e, SimHost host) => _lastUse.Observe(e);

    public void OnTick(SimHost host)
    {
        if (host.Now < _next)
        {
            return;
        }

        _next = host.Now + Period;
        var store = host.Store;
        if (store.Used * 100 < store.Capacity * 85)
        {
            return;
        }

        var toFree = store.Used - store.Capacity * 80 / 100;
        long counted = 0;
        foreach (var image in _lastUse.OldestFirst(host).ToList())
        {
            if (counted >= toFree)
            {
                break;
            }

            if (host.Now - host.FirstPresent.GetValueOrDefault(image.Id, host.Now) < MinAge)
            {
                continue;
            }

            if (store.Remove(image.Id) is not null)
            {
                counted += image.Size;
                Removals++;
            }
        }
    }
}
