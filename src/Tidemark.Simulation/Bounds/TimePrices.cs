namespace Tidemark.Simulation.Bounds;

/// <summary>
/// A sharper upper bound on the bytes any policy saves, from the disk limit at every instant
/// rather than over the whole span. Two families of constraints hold for every policy that serves
/// every request, with xᵢ = 1 when interval i is a hit: (1) at every instant t, the intervals kept
/// across t hold at most C bytes; (2) right after request r is served, its image is on disk whole
/// (Sᵣ bytes) beside the intervals kept across r, so those hold at most C − Sᵣ. For any prices
/// λ(t) ≥ 0 and μᵣ ≥ 0, multiplying (1) by λ(t) and integrating, multiplying (2) by μᵣ and adding
/// (weak duality), with 0 ≤ xᵢ ≤ 1:
/// saved ≤ C·∫λ + Σᵣ μᵣ·(C − Sᵣ) + Σᵢ max(0, vᵢ − sᵢ·(∫ᵢλ + Σ_{r inside i} μᵣ)).
/// A constant λ and μ = 0 give the span-wide knapsack. Here λ and μ are constant over each of
/// up to 4096 segments of time, found by projected subgradient steps from the span-wide price;
/// every price vector gives a valid bound, so the search needs no convergence to be sound. The
/// best prices found are evaluated once more in decimal arithmetic, with a margin for its rounding.
/// </summary>
internal sealed class TimePrices
{
    private const int MaxSegments = 4096;
    private const int Iterations = 300;

    private readonly long[] _value, _size, _start, _end, _first, _last;
    private readonly long _disk, _length;
    private readonly int _segments;
    private readonly double[] _len;

    // Requests: their segment, how many fall in each segment, the slack C − Sᵣ per segment, and where each segment's requests begin.
    private readonly int[] _requestSegment;
    private readonly double[] _requestCount, _slack;
    private readonly int[] _segmentFirstRequest;

    // Per iteration: disk-time and request-instant bytes used per segment by the intervals still worth keeping.
    private readonly double[] _timeUse, _instantUse, _timeCover, _instantCover;

    // Per iteration: the time price integrated up to each segment, and the request prices summed up to each request.
    private readonly double[] _time, _instant;

    /// <param name="start">Each candidate interval's start, milliseconds after the first request, rounded up.</param>
    /// <param name="end">Each candidate's end, rounded down (a shorter interval costs less: still a bound).</param>
    /// <param name="first">Each candidate's earlier request (its position among requests).</param>
    /// <param name="last">Each candidate's later request.</param>
    /// <param name="requestTimes">Each request's time, milliseconds after the first request.</param>
    /// <param name="imageSizes">Each request's image size Sᵣ.</param>
    private TimePrices(long[] value, long[] size, long[] start, long[] end, long[] first, long[] last,
        long[] requestTimes, long[] imageSizes, long disk, long span)
    {
        (_value, _size, _start, _end, _first, _last, _disk) = (value, size, start, end, first, last, disk);
        var segments = (int)Math.Min(MaxSegments, span);
        _length = (span + segments - 1) / segments;
        _segments = (int)((span + _length - 1) / _length);
        _len = new double[_segments];
        for (var k = 0; k < _segments; k++)
        {
            _len[k] = Math.Min(_length, span - (k * _length));
        }

        _requestSegment = new int[requestTimes.Length];
        _requestCount = new double[_segments];
        _slack = new double[_segments];
        _segmentFirstRequest = new int[_segments + 1];
        Array.Fill(_segmentFirstRequest, requestTimes.Length);
        for (var r = requestTimes.Length - 1; r >= 0; r--)
        {
            var k = Segment(requestTimes[r]);
            _requestSegment[r] = k;
            // A request whose image alone exceeds the disk cannot be served: it gets no price.
            if (imageSizes[r] <= disk)
            {
                _requestCount[k]++;
                _slack[k] += disk - imageSizes[r];
            }

            _segmentFirstRequest[k] = r;
        }

        for (var k = _segments - 1; k >= 0; k--)
        {
            _segmentFirstRequest[k] = Math.Min(_segmentFirstRequest[k], _segmentFirstRequest[k + 1]);
        }

        _timeUse = new double[_segments];
        _instantUse = new double[_segments];
        _timeCover = new double[_segments + 1];
        _instantCover = new double[_segments + 1];
        _time = new double[_segments + 1];
        _instant = new double[requestTimes.Length + 1];
        _imageSizes = imageSizes;
        _pricedBefore = new int[imageSizes.Length + 1];
        for (var r = 0; r < imageSizes.Length; r++)
        {
            _pricedBefore[r + 1] = _pricedBefore[r] + (imageSizes[r] <= disk ? 1 : 0);
        }
    }

    private readonly long[] _imageSizes;

    /// <summary>How many requests before each one have a price (their image fits the disk).</summary>
    private readonly int[] _pricedBefore;

    /// <returns>An upper bound on the bytes any policy saves (whole bytes), or null when these prices cannot beat the span-wide bound.</returns>
    public static long? MaxHits(long[] value, long[] size, long[] start, long[] end, long[] first, long[] last,
        long[] requestTimes, long[] imageSizes, long disk, long span, double startPrice)
    {
        if (value.Length == 0 || span <= 0 || disk <= 0)
        {
            return null;
        }

        var prices = new TimePrices(value, size, start, end, first, last, requestTimes, imageSizes, disk, span);
        return prices.Search(startPrice);
    }

    private long? Search(double startPrice)
    {
        var lambda = new double[_segments];
        var mu = new double[_segments];
        Evaluate(lambda, mu);
        // Kept whole, every interval fits every segment and every request's slack in total: no such prices say more.
        if (Enumerable.Range(0, _segments).All(k => _timeUse[k] <= _disk * _len[k] && _instantUse[k] <= _slack[k]))
        {
            return null;
        }

        double totalValue = 0, totalWeight = 0;
        for (var i = 0; i < _value.Length; i++)
        {
            totalValue += _value[i];
            totalWeight += (double)_size[i] * (_end[i] - _start[i]);
        }

        var scale = startPrice > 0 ? startPrice : totalValue / Math.Max(1, totalWeight);
        // A price per request worth about one gap between requests of time price.
        var instantScale = scale * _len.Sum() / Math.Max(1, _requestCount.Sum());
        Array.Fill(lambda, startPrice);
        double[] bestLambda = (double[])lambda.Clone(), bestMu = (double[])mu.Clone();
        var bestBound = double.MaxValue;
        for (var t = 0; t < Iterations; t++)
        {
            var bound = Evaluate(lambda, mu);
            if (bound < bestBound)
            {
                bestBound = bound;
                Array.Copy(lambda, bestLambda, _segments);
                Array.Copy(mu, bestMu, _segments);
            }

            var step = 4 / Math.Sqrt(1 + t);
            for (var k = 0; k < _segments; k++)
            {
                // Raise a price where the intervals still worth keeping overfill the segment, lower it where they leave room.
                lambda[k] = Math.Max(0, lambda[k] + (step * scale * (_timeUse[k] - (_disk * _len[k])) / (_disk * _len[k])));
                if (_requestCount[k] > 0)
                {
                    mu[k] = Math.Max(0, mu[k] + (step * instantScale * (_instantUse[k] - _slack[k]) / (_disk * _requestCount[k])));
                }
            }
        }

        // Savings are whole bytes: at most the floor of the bound. Decimal keeps 28 significant digits,
        // so for totals under 10^15 bytes over fewer than 10^9 terms its rounding stays under 10^-4 bytes.
        return (long)Math.Floor(Exact(bestLambda, bestMu) + 0.001m);
    }

    private int Segment(long t) => (int)Math.Min(_segments - 1, t / _length);

    /// <summary>The bound at these prices in double, and what the intervals worth keeping use of each segment.</summary>
    private double Evaluate(double[] lambda, double[] mu)
    {
        var time = _time;
        for (var k = 0; k < _segments; k++)
        {
            time[k + 1] = time[k] + (lambda[k] * _len[k]);
        }

        // instant[r]: the request prices of requests before r.
        var instant = _instant;
        for (var r = 0; r < _requestSegment.Length; r++)
        {
            instant[r + 1] = instant[r] + (_imageSizes[r] <= _disk ? mu[_requestSegment[r]] : 0);
        }

        Array.Clear(_timeUse);
        Array.Clear(_instantUse);
        Array.Clear(_timeCover);
        Array.Clear(_instantCover);
        double sum = 0;
        for (var i = 0; i < _value.Length; i++)
        {
            int ka = Segment(_start[i]), kb = Segment(_end[i]);
            var price = time[kb] + (lambda[kb] * (_end[i] - (kb * _length))) - time[ka] - (lambda[ka] * (_start[i] - (ka * _length)));
            var inside = _last[i] > _first[i] + 1 ? instant[_last[i]] - instant[_first[i] + 1] : 0;
            var gain = _value[i] - (_size[i] * (price + inside));
            if (gain <= 0)
            {
                continue;
            }

            sum += gain;
            AddTimeUse(i, ka, kb);
            if (_last[i] > _first[i] + 1)
            {
                AddInstantUse(i, (int)_first[i] + 1, (int)_last[i] - 1);
            }
        }

        double running = 0, runningInstant = 0;
        for (var k = 0; k < _segments; k++)
        {
            running += _timeCover[k];
            runningInstant += _instantCover[k];
            _timeUse[k] += running * _len[k];
            _instantUse[k] += runningInstant * _requestCount[k];
        }

        double slack = 0;
        for (var k = 0; k < _segments; k++)
        {
            slack += mu[k] * _slack[k];
        }

        return sum + (_disk * time[_segments]) + slack;
    }

    private void AddTimeUse(int i, int ka, int kb)
    {
        double s = _size[i];
        if (ka == kb)
        {
            _timeUse[ka] += s * (_end[i] - _start[i]);
            return;
        }

        _timeUse[ka] += s * (((ka + 1) * _length) - _start[i]);
        _timeUse[kb] += s * (_end[i] - (kb * _length));
        _timeCover[ka + 1] += s;
        _timeCover[kb] -= s;
    }

    /// <summary>Adds the interval's size at every priced request from <paramref name="from"/> to <paramref name="to"/> (inclusive).</summary>
    private void AddInstantUse(int i, int from, int to)
    {
        double s = _size[i];
        int ka = _requestSegment[from], kb = _requestSegment[to];
        if (ka == kb)
        {
            _instantUse[ka] += s * PricedRequests(from, to + 1);
            return;
        }

        _instantUse[ka] += s * PricedRequests(from, _segmentFirstRequest[ka + 1]);
        _instantUse[kb] += s * PricedRequests(_segmentFirstRequest[kb], to + 1);
        _instantCover[ka + 1] += s;
        _instantCover[kb] -= s;
    }

    private int PricedRequests(int from, int to) => _pricedBefore[to] - _pricedBefore[from];

    /// <summary>The bound at the chosen prices, in decimal (28 significant digits).</summary>
    private decimal Exact(double[] lambdaDouble, double[] muDouble)
    {
        var lambda = lambdaDouble.Select(x => (decimal)x).ToArray();
        var mu = muDouble.Select(x => (decimal)x).ToArray();
        var time = new decimal[_segments + 1];
        decimal bound = 0;
        for (var k = 0; k < _segments; k++)
        {
            time[k + 1] = time[k] + (lambda[k] * (decimal)_len[k]);
        }

        var instant = new decimal[_requestSegment.Length + 1];
        for (var r = 0; r < _requestSegment.Length; r++)
        {
            var priced = _imageSizes[r] <= _disk;
            instant[r + 1] = instant[r] + (priced ? mu[_requestSegment[r]] : 0);
            bound += priced ? mu[_requestSegment[r]] * (_disk - _imageSizes[r]) : 0;
        }

        bound += _disk * time[_segments];
        for (var i = 0; i < _value.Length; i++)
        {
            int ka = Segment(_start[i]), kb = Segment(_end[i]);
            var price = time[kb] + (lambda[kb] * (_end[i] - (kb * _length))) - time[ka] - (lambda[ka] * (_start[i] - (ka * _length)));
            var inside = _last[i] > _first[i] + 1 ? instant[_last[i]] - instant[_first[i] + 1] : 0;
            var gain = _value[i] - (_size[i] * (price + inside));
            if (gain > 0)
            {
                bound += gain;
            }
        }

        return bound;
    }
}
