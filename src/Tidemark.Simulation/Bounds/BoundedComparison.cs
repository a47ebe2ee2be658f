using Tidemark.Core.Configuration;
using Trace = Tidemark.Simulation.Traces.Trace;

namespace Tidemark.Simulation.Bounds;

/// <summary>Every policy side by side (<see cref="PolicySet.Compare"/>), and the lower bound with each policy's ratio to it.</summary>
public static class BoundedComparison
{
    public static (IReadOnlyList<SimResult> Results, LowerBoundResult Bound) Run(
        Trace trace, long diskBytes, IReadOnlyList<string>? names = null, Settings? settings = null)
    {
        // The bound needs no policy's result: computed beside them.
        var computing = Task.Run(() => LowerBound.Compute(trace, diskBytes));
        var results = PolicySet.Compare(trace, diskBytes, names, settings);
        var bound = computing.GetAwaiter().GetResult();
        return (WithRatios(results, bound), bound);
    }

    public static IReadOnlyList<SimResult> WithRatios(IReadOnlyList<SimResult> results, LowerBoundResult bound) =>
        results.Select(r => r with { RatioToBound = bound.Bytes > 0 ? (double)r.BytesDownloaded / bound.Bytes : null }).ToList();
}
