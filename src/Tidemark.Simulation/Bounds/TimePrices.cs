namespace Tidemark.Simulation.Bounds;

/// <summary>
/// A sharper upper bound on the bytes any policy saves, from the disk limit at every instant
/// rather than over the whole span. For any price λ(t) ≥ 0 per byte per millisecond,
/// saved ≤ C·∫λ + Σᵢ max(0, vᵢ − sᵢ·∫ᵢλ) (weak duality: multiply "kept bytes at t ≤ C" by λ(t),
/// integrate, and use 0 ≤ xᵢ ≤ 1). A constant λ gives the span-wide knapsack; prices that are
/// high when the disk is crowded and zero when it idles stop intervals from borrowing the idle
/// hours. The prices are piecewise constant over segments and found by projected subgradient
/// steps; every price vector is a valid bound, so the search needs no convergence to be sound.
/// The chosen prices are evaluated once more in decimal arithmetic and rounded up.
/// </summary>
internal static class TimePrices
{
    /// <summary>Segments the span is cut into (at most), and subgradient steps.</summary>
    private const int MaxSegments = 4096;
    private const int Iterations = 300;

    /// <param name="start">Each candidate's start, milliseconds after the first request, rounded up.</param>
    /// <param name="end">Each candidate's end, rounded down (a shorter interval costs less: still a bound).</param>
    /// <param name="startPrice">The span-wide knapsack's price, where the search starts.</param>
    /// <returns>An upper bound on the bytes any policy saves (whole bytes, rounded up), or null when prices cannot beat the span-wide bound.</returns>
    public static long? MaxHits(long[] value, long[] size, long[] start, long[] end, long disk, long span, double startPrice)
    {
        var n = value.Length;
        if (n == 0 || span <= 0 || disk <= 0)
        {
            return null;
        }

        var segments = (int)Math.Min(MaxSegments, span);
        var length = (span + segments - 1) / segments;
        segments = (int)((span + length - 1) / length);
        var len = new double[segments];
        for (var k = 0; k < segments; k++)
        {
            len[k] = Math.Min(length, span - (k * length));
        }

        var usage = new double[segments];
        var cover = new double[segments + 1];
        Usage(value, size, start, end, new double[segments], len, length, usage, cover, out _);
        // Kept whole, every interval fits every segment on average: no price can say more than the span-wide bound.
        if (Enumerable.Range(0, segments).All(k => usage[k] <= disk * len[k]))
        {
            return null;
        }

        double totalValue = value.Sum(v => (double)v), totalWeight = 0;
        for (var i = 0; i < n; i++)
        {
            totalWeight += (double)size[i] * (end[i] - start[i]);
        }

        var scale = startPrice > 0 ? startPrice : totalValue / Math.Max(1, totalWeight);
        var price = new double[segments];
        Array.Fill(price, startPrice);
        var best = (double[])price.Clone();
        var bestBound = double.MaxValue;
        for (var t = 0; t < Iterations; t++)
        {
            var bound = Usage(value, size, start, end, price, len, length, usage, cover, out var budgetTerm) + (disk * budgetTerm);
            if (bound < bestBound)
            {
                bestBound = bound;
                Array.Copy(price, best, segments);
            }

            var step = 4 * scale / Math.Sqrt(1 + t);
            for (var k = 0; k < segments; k++)
            {
                // Positive when the kept intervals overfill the segment: raise its price.
                var excess = (usage[k] - (disk * len[k])) / (disk * len[k]);
                price[k] = Math.Max(0, price[k] + (step * excess));
            }
        }

        return (long)Math.Ceiling(Exact(value, size, start, end, best, length, segments, span, disk));
    }

    /// <summary>Σᵢ max(0, vᵢ − sᵢ·∫ᵢλ) in double, the disk-time the intervals still worth keeping use per segment, and ∫λ.</summary>
    private static double Usage(long[] value, long[] size, long[] start, long[] end, double[] price, double[] len, long length,
        double[] usage, double[] cover, out double integral)
    {
        var segments = price.Length;
        var prefix = new double[segments + 1];
        for (var k = 0; k < segments; k++)
        {
            prefix[k + 1] = prefix[k] + (price[k] * len[k]);
        }

        Array.Clear(usage);
        Array.Clear(cover);
        double sum = 0;
        for (var i = 0; i < value.Length; i++)
        {
            int ka = Segment(start[i], length, segments), kb = Segment(end[i], length, segments);
            var at = prefix[kb] + (price[kb] * (end[i] - (kb * length))) - prefix[ka] - (price[ka] * (start[i] - (ka * length)));
            var gain = value[i] - (size[i] * at);
            if (gain <= 0)
            {
                continue;
            }

            sum += gain;
            if (ka == kb)
            {
                usage[ka] += (double)size[i] * (end[i] - start[i]);
                continue;
            }

            usage[ka] += (double)size[i] * (((ka + 1) * length) - start[i]);
            usage[kb] += (double)size[i] * (end[i] - (kb * length));
            cover[ka + 1] += size[i];
            cover[kb] -= size[i];
        }

        double running = 0;
        for (var k = 0; k < segments; k++)
        {
            running += cover[k];
            usage[k] += running * len[k];
        }

        integral = prefix[segments];
        return sum;
    }

    private static int Segment(long t, long length, int segments) => (int)Math.Min(segments - 1, t / length);

    /// <summary>The bound at the chosen prices, in decimal (28 significant digits), plus one byte for its rounding.</summary>
    private static decimal Exact(long[] value, long[] size, long[] start, long[] end, double[] price, long length, int segments, long span, long disk)
    {
        var p = price.Select(x => (decimal)x).ToArray();
        var prefix = new decimal[segments + 1];
        for (var k = 0; k < segments; k++)
        {
            prefix[k + 1] = prefix[k] + (p[k] * Math.Min(length, span - (k * length)));
        }

        decimal sum = disk * prefix[segments];
        for (var i = 0; i < value.Length; i++)
        {
            int ka = Segment(start[i], length, segments), kb = Segment(end[i], length, segments);
            var at = prefix[kb] + (p[kb] * (end[i] - (kb * length))) - prefix[ka] - (p[ka] * (start[i] - (ka * length)));
            var gain = value[i] - (size[i] * at);
            if (gain > 0)
            {
                sum += gain;
            }
        }

        return sum + 1;
    }
}
