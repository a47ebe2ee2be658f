using Tidemark.Simulation.Traces;

namespace Tidemark.Tests.Simulation;

/// <summary>
/// The exact offline optimum of a small trace by exhaustive search over every resident set of
/// layers (at most 16 distinct layers). A schedule holds at most the disk's unpacked bytes at every
/// instant, may evict any layer at any time, and fetches a layer only at a request of it (every
/// pull and every use requests each layer of its image). A missing requested layer costs its
/// compressed bytes. Evicting just before the next request is as good as any earlier eviction, as
/// disk use grows only at requests, so only the resident set at each request matters.
/// </summary>
internal static class ExactOptimum
{
    /// <param name="imageMustFit">
    /// True: the simulator's rule — after a request every layer of its image is on disk together
    /// (a pull writes the whole image). False: a weaker model where a missed layer may be fetched and
    /// dropped at once, so only what is kept must fit; its optimum is at most the true one.
    /// </param>
    /// <returns>The fewest compressed bytes downloaded, or null when some image alone exceeds the disk.</returns>
    public static long? Of(Trace trace, long disk, bool imageMustFit = true)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var sizes = new List<long>();
        foreach (var l in trace.Events.Where(e => e.Image is not null).SelectMany(e => e.Image!.Layers))
        {
            if (index.TryAdd(l.Digest, index.Count))
            {
                sizes.Add(l.Size);
            }
        }

        if (index.Count > 16)
        {
            throw new ArgumentException("too many layers for an exhaustive search", nameof(trace));
        }

        var states = 1 << index.Count;
        var maskSize = new long[states];
        for (var m = 1; m < states; m++)
        {
            var low = System.Numerics.BitOperations.TrailingZeroCount(m);
            maskSize[m] = maskSize[m & (m - 1)] + sizes[low];
        }

        const long Unreached = long.MaxValue;
        var cost = new long[states];
        Array.Fill(cost, Unreached);
        cost[0] = 0;
        var next = new long[states];
        foreach (var e in trace.Events)
        {
            if (e.Kind is not (TraceKind.Pull or TraceKind.Use) || e.Image is not { } image)
            {
                continue;
            }

            var request = 0;
            var compressed = new long[index.Count];
            foreach (var l in image.Layers)
            {
                request |= 1 << index[l.Digest];
                compressed[index[l.Digest]] = l.Compressed;
            }

            if (imageMustFit && maskSize[request] > disk)
            {
                return null;
            }

            Array.Fill(next, Unreached);
            for (var s = 0; s < states; s++)
            {
                if (cost[s] == Unreached)
                {
                    continue;
                }

                long miss = 0;
                for (var b = request & ~s; b != 0; b &= b - 1)
                {
                    miss += compressed[System.Numerics.BitOperations.TrailingZeroCount(b)];
                }

                var total = cost[s] + miss;
                // What may stay: any subset of what was resident, plus (weak model) what was just fetched.
                var pool = imageMustFit ? s & ~request : s | request;
                for (var keep = pool; ; keep = (keep - 1) & pool)
                {
                    var after = imageMustFit ? keep | request : keep;
                    if (maskSize[after] <= disk && total < next[after])
                    {
                        next[after] = total;
                    }

                    if (keep == 0)
                    {
                        break;
                    }
                }
            }

            (cost, next) = (next, cost);
        }

        return cost.Where(c => c != Unreached).Min();
    }
}
