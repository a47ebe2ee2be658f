using System.Diagnostics;
using Trace = Tidemark.Simulation.Traces.Trace;

namespace Tidemark.Simulation.Bounds;

/// <summary>A proven lower bound on the compressed bytes any policy downloads, and how it was reached.</summary>
/// <param name="Bytes">The bound: no policy that serves every request downloads less on this disk.</param>
/// <param name="Compulsory">First requests of every distinct layer (the floor's bytes).</param>
/// <param name="ReuseBytes">Compressed bytes of every later request: what an empty disk would re-download.</param>
/// <param name="MaxHitBytes">The relaxation's optimum (the sharper stage), rounded down: no policy saves more of <paramref name="ReuseBytes"/>.</param>
/// <param name="Requests">Layer requests in the trace (each distinct layer of every pull and use).</param>
/// <param name="Intervals">Reuse intervals (requests after a layer's first).</param>
/// <param name="Kept">Intervals the span-wide knapsack keeps whole (one more may be kept in part).</param>
/// <param name="Budget">Disk-time available: disk bytes × the span from the first request to the last, in byte·milliseconds.</param>
public sealed record LowerBoundResult(
    long Bytes,
    long Compulsory,
    long ReuseBytes,
    long MaxHitBytes,
    long Requests,
    int Intervals,
    int Kept,
    long DiskBytes,
    Int128 Budget,
    TimeSpan Elapsed)
{
    /// <summary>The span-wide knapsack bound alone (PFOO-L by value density); <see cref="Bytes"/> is never below it.</summary>
    public long SpanWideBytes { get; init; }
}

/// <summary>
/// The flow-offline lower bound for a cache of the disk's size at layer granularity, after PFOO-L
/// (Berger, Beckmann, Harchol-Balter, SIGMETRICS 2018), for byte-weighted costs. Every later
/// request of a layer is a download unless the layer stayed on disk over its whole reuse
/// interval, which occupies unpacked size × duration of disk-time; no policy holds more than
/// disk × span of disk-time in total. The largest compressed-byte value of intervals a disk-time
/// budget can keep is a fractional knapsack, solved exactly by value density
/// (compressed bytes ÷ disk-time), the last interval in part (stage 1, <see cref="LowerBoundResult.SpanWideBytes"/>).
/// Stage 2 (<see cref="TimePrices"/>) prices the disk limit at every instant and at every request
/// instead of over the whole span, and the sharper of the two is the bound. The proof is in
/// docs/simulator.md ("The lower bound").
/// </summary>
public static class LowerBound
{
    /// <summary>The bound's name in reports.</summary>
    public const string Name = "lower-bound";

    /// <summary>v_a / w_a > v_b / w_b, exactly, as v_a·w_b > v_b·w_a (w = 0 is infinitely dense).</summary>
    private static bool Denser(int a, int b, long[] values, Int128[] weights) =>
        checked(values[a] * weights[b]) > checked(values[b] * weights[a]);

    private static long Milliseconds(TimeSpan t, bool up) =>
        up ? (t.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond : t.Ticks / TimeSpan.TicksPerMillisecond;

    public static LowerBoundResult Compute(Trace trace, long diskBytes)
    {
        var clock = Stopwatch.StartNew();
        var requests = LayerRequests.Of(trace);
        var intervals = requests.Intervals;
        long reuse = 0;
        var values = new long[intervals.Count];
        var weights = new Int128[intervals.Count];
        var candidates = new List<int>(intervals.Count);
        for (var i = 0; i < intervals.Count; i++)
        {
            var r = intervals[i];
            reuse += r.Value;
            values[i] = r.Value;
            weights[i] = r.Weight;
            // A layer larger than the disk is never resident: each of its requests downloads it.
            if (r.Value > 0 && r.Size <= diskBytes)
            {
                candidates.Add(i);
            }
        }

        // Densest first.
        // Sorted by the density in double first (fast), then put in exact order by insertion: only
        // densities too close for a double to tell apart can be out of place, so little moves.
        var order = candidates.ToArray();
        var keys = order.Select(i => weights[i] == 0 ? double.NegativeInfinity : -(double)values[i] / (double)weights[i]).ToArray();
        Array.Sort(keys, order);
        for (var j = 1; j < order.Length; j++)
        {
            var item = order[j];
            var k = j - 1;
            for (; k >= 0 && Denser(item, order[k], values, weights); k--)
            {
                order[k + 1] = order[k];
            }

            order[k + 1] = item;
        }

        var remaining = checked((Int128)diskBytes * requests.SpanMilliseconds);
        var budget = remaining;
        long hits = 0;
        var kept = 0;
        double price = 0;
        foreach (var i in order)
        {
            if (weights[i] <= remaining)
            {
                remaining -= weights[i];
                hits += values[i];
                kept++;
                continue;
            }

            // The critical interval, kept in the fraction of it the budget still covers (rounded down:
            // real savings are whole bytes, so they cannot exceed the floor of the fractional optimum).
            hits += (long)(checked(values[i] * remaining) / weights[i]);
            price = (double)values[i] / (double)weights[i];
            break;
        }

        var knapsack = requests.Compulsory + reuse - hits;
        if (order.Length > 0 && requests.Times.Count > 0)
        {
            // The disk limit at every instant and at every request, not only over the span: the sharper bound counts.
            var first = requests.Times[0];
            var n = order.Length;
            long[] v = new long[n], size = new long[n], start = new long[n], end = new long[n], from = new long[n], to = new long[n];
            for (var j = 0; j < n; j++)
            {
                var r = intervals[order[j]];
                v[j] = r.Value;
                size[j] = r.Size;
                start[j] = Milliseconds(r.Start - first, up: true);
                end[j] = Math.Max(start[j], Milliseconds(r.End - first, up: false));
                from[j] = r.StartRequest;
                to[j] = r.EndRequest;
            }

            var times = requests.Times.Select(t => Milliseconds(t - first, up: false)).ToArray();
            if (TimePrices.MaxHits(v, size, start, end, from, to, times, [.. requests.ImageSizes], diskBytes, requests.SpanMilliseconds, price) is { } sharper
                && sharper < hits)
            {
                hits = sharper;
            }
        }

        return new LowerBoundResult(requests.Compulsory + reuse - hits, requests.Compulsory, reuse, hits,
            requests.Requests, intervals.Count, kept, diskBytes, budget, clock.Elapsed)
        { SpanWideBytes = knapsack };
    }
}
