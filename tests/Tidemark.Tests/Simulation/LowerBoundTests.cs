using System.Globalization;
using CsCheck;
using Tidemark.Simulation;
using Tidemark.Simulation.Bounds;
using Tidemark.Simulation.Generation;
using Tidemark.Simulation.Traces;
using static Tidemark.Tests.Simulation.TinyTraces;

namespace Tidemark.Tests.Simulation;

/// <summary>The lower bound: below the exact optimum on small traces, below every policy that fails no job on the presets.</summary>
public sealed class LowerBoundTests
{
    private const long GB = 1_000_000_000;

    /// <summary>Small random traces: up to 7 layers of small integer sizes shared among up to 4 images, up to 12 pulls and uses.</summary>
    private static readonly Gen<(Trace Trace, long Disk)> SmallTraces =
        from layerCount in Gen.Int[1, 7]
        from sizes in Gen.Long[1, 10].Array[layerCount]
        from compressed in Gen.Long[1, 10].Array[layerCount]
        from imageCount in Gen.Int[1, 4]
        from masks in Gen.Int[1, (1 << layerCount) - 1].Array[imageCount]
        from steps in Gen.Select(Gen.Int[0, imageCount - 1], Gen.Bool, Gen.Int[0, 4]).Array[1, 12]
        from extra in Gen.Long[0, 8]
        select Build(sizes, compressed, masks, steps, extra);

    private static (Trace, long) Build(long[] sizes, long[] compressed, int[] masks, (int Image, bool Use, int Minutes)[] steps, long extra)
    {
        var layers = sizes.Select((s, i) => new TraceLayer($"sha256:l{i}", compressed[i], s)).ToArray();
        var images = masks.Select((m, i) => new TraceImage($"sha256:i{i}", $"ci/i{i}:1", T0,
            layers.Where((_, b) => (m & (1 << b)) != 0).ToList())).ToArray();
        var t = T0;
        var events = new List<TraceEvent>();
        foreach (var (image, use, minutes) in steps)
        {
            t = t.AddMinutes(minutes);
            events.Add(new TraceEvent(t, use ? TraceKind.Use : TraceKind.Pull, images[image]));
        }

        // Every image fits alone: otherwise no schedule serves every request.
        var disk = images.Max(i => i.Size) + extra;
        return (new Trace(events, disk, "random"), disk);
    }

    [Fact]
    public void On_small_random_traces_the_bound_never_exceeds_the_exact_optimum()
    {
        var stats = new Tightness();
        var spanWide = new Tightness();
        SmallTraces.Sample(x =>
        {
            var bound = LowerBound.Compute(x.Trace, x.Disk);
            var weak = ExactOptimum.Of(x.Trace, x.Disk, imageMustFit: false)!.Value;
            var exact = ExactOptimum.Of(x.Trace, x.Disk)!.Value;
            Assert.True(bound.Compulsory <= bound.SpanWideBytes, $"bound {bound.SpanWideBytes} below compulsory {bound.Compulsory}");
            Assert.True(bound.SpanWideBytes <= bound.Bytes, $"prices over time {bound.Bytes} below the span-wide bound {bound.SpanWideBytes}");
            // The span-wide knapsack bounds even the weak model; the prices at requests use that a
            // served image is on disk whole, which only the simulator's model promises.
            Assert.True(bound.SpanWideBytes <= weak, $"span-wide bound {bound.SpanWideBytes} above the exact optimum {weak} (weak model)");
            Assert.True(weak <= exact, $"weak optimum {weak} above the simulator's {exact}");
            Assert.True(bound.Bytes <= exact, $"bound {bound.Bytes} above the exact optimum {exact}");
            stats.Add(bound.Bytes, exact, bound.Compulsory);
            spanWide.Add(bound.SpanWideBytes, exact, bound.Compulsory);
        }, iter: 2000, threads: 1);
        TestContext.Current.TestOutputHelper?.WriteLine($"bound vs exact optimum: {stats}");
        TestContext.Current.TestOutputHelper?.WriteLine($"span-wide knapsack alone: {spanWide}");
        Assert.True(stats.Tight > stats.Count / 2, stats.ToString());
    }

    [Fact]
    public void The_exact_search_is_below_belady_and_the_bound_between_the_floor_and_belady()
    {
        SmallTraces.Sample(x =>
        {
            var results = PolicySet.Compare(x.Trace, x.Disk, ["belady", "floor"]);
            var belady = results.Single(r => r.Policy == "belady");
            var floor = results.Single(r => r.Policy == "floor");
            var bound = LowerBound.Compute(x.Trace, x.Disk);
            Assert.Equal(floor.BytesDownloaded, bound.Compulsory);
            Assert.True(floor.BytesDownloaded <= bound.Bytes);
            if (belady.FailedJobs == 0)
            {
                // Belady is one schedule the exhaustive search considers: a check of the search itself.
                Assert.True(ExactOptimum.Of(x.Trace, x.Disk)!.Value <= belady.BytesDownloaded);
                Assert.True(bound.Bytes <= belady.BytesDownloaded, $"bound {bound.Bytes} above belady {belady.BytesDownloaded}");
            }
        }, iter: 500, threads: 1);
    }

    /// <summary>
    /// PFOO-L's order — smallest size × duration first — is the right greedy when every hit is worth
    /// one (object hit ratio). When a hit is worth its compressed bytes, it admits cheap intervals of
    /// little value before denser ones, finds fewer savings than the knapsack optimum, and its
    /// "bound" can exceed what a real schedule downloads. Found by a random search (3 of 30 000 small traces; none with value density): a
    /// 23-unit disk, an app image (l1: 8 to download, 4 on disk; l2: 4 and 5) and a tool image (l0:
    /// 9 and 8; l3: 10 and 9; l4: 3 and 2), 28 units together, each requested twice a minute apart.
    /// The optimum drops l2 for the tool and downloads it again (4). By size × duration, l2 (5 of
    /// disk-time, worth 4) goes in before l0 and l3 (8 and 9, worth 9 and 10), which then do not fit.
    /// </summary>
    [Fact]
    public void Ordering_by_size_times_duration_overshoots_the_exact_optimum_and_value_density_does_not()
    {
        var app = new TraceImage("sha256:app", "ci/app:1", T0, [new TraceLayer("sha256:l1", 8, 4), new TraceLayer("sha256:l2", 4, 5)]);
        var tool = new TraceImage("sha256:tool", "ci/tool:1", T0,
            [new TraceLayer("sha256:l0", 9, 8), new TraceLayer("sha256:l3", 10, 9), new TraceLayer("sha256:l4", 3, 2)]);
        var trace = Of(Pull(0, app), Use(0, tool), Pull(1, tool), Use(1, app));
        var compulsory = 8 + 4 + 9 + 10 + 3;
        Assert.Equal(compulsory + 4, ExactOptimum.Of(trace, 23));
        Assert.Equal(compulsory + 4, ExactOptimum.Of(trace, 23, imageMustFit: false));

        // By density (8/4, 3/2, 9/8, 10/9, then 4/5): l1, l4, l0 and l3 fill the 23 unit-minutes exactly.
        var bound = LowerBound.Compute(trace, 23);
        Assert.Equal(compulsory + 4, bound.SpanWideBytes);
        Assert.Equal(compulsory + 4, bound.Bytes);

        // By size × duration (2, 4, 5, 8, then 9): l4, l1, l2, l0 whole, then 4/9 of l3: 28.4 saved, 40 > 38.
        Assert.Equal(compulsory + 6, ByResourceCost(trace, 23));
    }

    /// <summary>The greedy in PFOO-L's object-count order (size × duration ascending), for the test above.</summary>
    private static long ByResourceCost(Trace trace, long disk)
    {
        var requests = LayerRequests.Of(trace);
        var remaining = (Int128)disk * requests.SpanMilliseconds;
        var reuse = requests.Intervals.Sum(i => i.Value);
        long hits = 0;
        foreach (var i in requests.Intervals.Where(i => i.Size <= disk && i.Value > 0).OrderBy(i => i.Weight))
        {
            if (i.Weight <= remaining)
            {
                remaining -= i.Weight;
                hits += i.Value;
                continue;
            }

            hits += (long)(i.Value * remaining / i.Weight);
            break;
        }

        return requests.Compulsory + reuse - hits;
    }

    /// <summary>
    /// A trace where belady is provably above the optimum: a 9 GB layer A and two 1 GB layers on a
    /// 10 GB disk. For s2, belady evicts A (next use furthest away) and downloads it again; the
    /// optimum evicts s1 and downloads that 1 GB instead. The bound sits below the optimum.
    /// </summary>
    [Fact]
    public void Belady_is_above_the_exact_optimum_and_the_bound_below_it()
    {
        var a = Image("a", 9 * GB);
        var s1 = Image("s1", 1 * GB);
        var s2 = Image("s2", 1 * GB);
        var trace = Of(Pull(1, a), Pull(2, s1), Pull(3, s2), Pull(4, s1), Pull(5, a));
        var belady = PolicySet.Run("belady", trace, 10 * GB);
        var exact = ExactOptimum.Of(trace, 10 * GB)!.Value;
        var bound = LowerBound.Compute(trace, 10 * GB);
        Assert.Equal(0, belady.FailedJobs);
        Assert.Equal(20 * GB, belady.BytesDownloaded);
        Assert.Equal(12 * GB, exact);
        // Span-wide, A (9 GB × 4 min) and s1 (1 GB × 2 min) both fit in 10 GB × 4 min of disk-time:
        // only the compulsory 11 GB. At s2's pull, though, s2 and whatever is kept across it share
        // 10 GB, so A and s1 cannot both be: the prices at requests find that (to a few kB).
        Assert.Equal(11 * GB, bound.SpanWideBytes);
        Assert.InRange(bound.Bytes, 11.9 * GB, 12 * GB);
    }

    [Fact]
    public void Where_everything_fits_the_bound_is_the_compulsory_bytes()
    {
        var a = Image("a", 30);
        var b = Image("b", 20);
        var trace = Of(Pull(0, a), Use(5, b), Use(9, a), Pull(20, b));
        var bound = LowerBound.Compute(trace, 50);
        Assert.Equal(50, bound.Compulsory);
        Assert.Equal(50, bound.Bytes);
        Assert.Equal(50, bound.ReuseBytes);
        Assert.Equal(50, bound.MaxHitBytes);
        Assert.Equal(4, bound.Requests);
        Assert.Equal(2, bound.Kept);
    }

    [Fact]
    public void A_layer_larger_than_the_disk_is_downloaded_at_every_request()
    {
        var big = Image("big", 80);
        var bound = LowerBound.Compute(Of(Pull(0, big), Pull(1, big), Use(2, big)), 50);
        Assert.Equal(240, bound.Bytes);
        Assert.Equal(0, bound.MaxHitBytes);
    }

    [Fact]
    public void The_budget_is_disk_times_the_span_of_requests_the_last_interval_counts_in_part_and_prices_over_time_sharpen_it()
    {
        // 10-byte disk, requests from minute 0 to minute 10: 100 byte-minutes. Two 10-byte layers,
        // each reused after 10 and 5 minutes: 100 + 50 byte-minutes wanted. Densest first: b (10 / 50),
        // then half of a (10 / 100): 15 saved of 20.
        var a = Image("a", 10);
        var b = Image("b", 10);
        var trace = Of(Tick(-60), Pull(0, a), Pull(3, b), Pull(8, b), Pull(10, a), Tick(120));
        var bound = LowerBound.Compute(trace, 10);
        Assert.Equal(10L * 10 * 60_000, bound.Budget);
        Assert.Equal(20 + 20 - 15, bound.SpanWideBytes);
        // At every instant from 3 to 8 both would be on a disk that holds one: the prices over time
        // see that only about 10 can be saved (to a byte of rounding and the search's precision).
        Assert.InRange(bound.Bytes, 20 + 20 - 12, 20 + 20 - 10);
        Assert.Equal(30, ExactOptimum.Of(trace, 10, imageMustFit: false));
    }

    public static TheoryData<string, int> PresetsAndSeeds() => new()
    {
        { "small-ci", 1 },
        { "busy-runner", 1 },
        { "tight-disk", 1 },
        { "tight-disk", 2 },
    };

    /// <summary>busy-runner is cut to 5 days to keep the suite quick; its disk holds the working set, as in the full trace.</summary>
    [Theory]
    [MemberData(nameof(PresetsAndSeeds))]
    public void On_the_presets_no_policy_that_fails_no_job_downloads_less_than_the_bound(string preset, int seed)
    {
        var p = Presets.Find(preset)!;
        var trace = TraceGenerator.Generate(preset == "busy-runner" ? p with { Days = 5 } : p, seed);
        var (results, bound) = BoundedComparison.Run(trace, p.DiskBytes);
        var floor = results.Single(r => r.Policy == "floor");
        Assert.Equal(floor.BytesDownloaded, bound.Compulsory);
        foreach (var r in results.Where(r => r.Policy != "floor" && r.FailedJobs == 0))
        {
            Assert.True(bound.Bytes <= r.BytesDownloaded,
                string.Create(CultureInfo.InvariantCulture, $"{r.Policy} downloaded {r.BytesDownloaded} < bound {bound.Bytes}"));
            Assert.True(r.RatioToBound >= 1.0);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{preset} seed {seed}: bound {bound.Bytes}, belady {results.Single(r => r.Policy == "belady").BytesDownloaded}, floor {floor.BytesDownloaded}, {bound.Elapsed.TotalMilliseconds:0} ms"));
    }

    /// <summary>How close the bound comes to the exact optimum over many traces.</summary>
    private sealed class Tightness
    {
        private double _ratioSum;
        private double _gapShareSum;
        private int _gapCount;

        public int Count { get; private set; }

        public int Tight { get; private set; }

        public double Worst { get; private set; } = 1;

        public void Add(long bound, long exact, long compulsory)
        {
            Count++;
            var ratio = exact == 0 ? 1 : (double)bound / exact;
            _ratioSum += ratio;
            Worst = Math.Min(Worst, ratio);
            Tight += bound == exact ? 1 : 0;
            if (exact > compulsory)
            {
                _gapCount++;
                _gapShareSum += (double)(bound - compulsory) / (exact - compulsory);
            }
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Count} traces, equal on {Tight}, mean bound/optimum {_ratioSum / Count:0.000}, worst {Worst:0.000}; where the optimum re-downloads ({_gapCount}), the bound finds {(_gapCount > 0 ? _gapShareSum / _gapCount : 1):P0} of the re-downloads on average");
    }
}
