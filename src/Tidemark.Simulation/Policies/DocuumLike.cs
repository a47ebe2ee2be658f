using Tidemark.Simulation.Traces;

namespace Tidemark.Simulation.Policies;

/// <summary>
/// docuum's approach: after each new image, while the images' bytes exceed a threshold, delete
/// the least recently used whole image and measure again. No idle gate, no minimum age. The
/// threshold here is the same 80 % of the disk that Tidemark's high watermark uses.
/// </summary>
public sealed class DocuumLike(double thresholdFraction = 0.8) : ISimPolicy, ICountsRemovals
{
    private readonly LastUse _lastUse = new();

    public string Name => "docuum-like";

    public long Removals { get; private set; }

    public void Observe(TraceEvent e, SimHost host) => _lastUse.Observe(e);

    public void AfterPull(SimHost host, TraceImage image, long downloaded)
    {
        if (downloaded == 0)
        {
            return;
        }

        var threshold = (long)(host.Store.Capacity * thresholdFraction);
        while (host.Store.Used > threshold)
        {
            var victim = _lastUse.OldestFirst(host).FirstOrDefault();
            if (victim is null || host.Store.Remove(victim.Id) is null)
            {
                return;
            }

            Removals++;
        }
    }
}
