using Tidemark.Core.Planning;

namespace Tidemark.Simulation.Policies;

/// <summary>
/// Diagnostic orders for the ablations (docs/simulator.md): "lfu" predicts the next use from the
/// rate of uses (of the image and its repository) over the last week; "reuse-rate" takes the
/// earlier of that and predicted reuse's daily projection.
/// </summary>
public sealed class FrequencyOrder(string name, bool withDaily) : IEvictionOrder
{
    private static readonly TimeSpan Window = TimeSpan.FromDays(7);

    public string Name => name;

    public string Describe(CandidateFacts c) => "expected gap from the use rate";

    public double Score(CandidateFacts c)
    {
        var count = 0;
        foreach (var use in c.Uses)
        {
            if (c.Now - use <= Window)
            {
                count++;
            }
        }

        var byRate = count == 0 ? c.Now + Window + (c.Now - c.LastUsed) : c.Now + Window / count;
        if (withDaily)
        {
            var daily = PredictedReuse.NextUse(c);
            byRate = daily < byRate ? daily : byRate;
        }

        return -byRate.UtcTicks;
    }
}
