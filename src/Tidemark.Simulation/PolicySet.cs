using System.Collections.Concurrent;
using Tidemark.Core.Configuration;
using Tidemark.Core.Planning;
using Tidemark.Simulation.Policies;
using Tidemark.Simulation.Traces;

namespace Tidemark.Simulation;

/// <summary>Every policy the simulator knows, by name, built for one trace.</summary>
public static class PolicySet
{
    public static IReadOnlyList<string> Names { get; } =
        ["autoprune-daily", "seed-gated", "docuum-like", "kubelet-like", "tidemark-timer", "tidemark-watch", "tidemark-prepare", "belady", "floor"];

    /// <summary>How often the shipped systemd timer runs `tidemark run`.</summary>
    public static readonly TimeSpan TimerEvery = TimeSpan.FromMinutes(15);

    /// <summary>Eviction orders a Tidemark policy can be run with, as "tidemark-watch:lru".</summary>
    public static IReadOnlyList<IEvictionOrder> Orders => EvictionOrders.All;

    /// <param name="settings">The configuration the Tidemark policies run with (default: the shipped defaults).</param>
    public static ISimPolicy? Create(string name, Trace trace, Settings? settings = null)
    {
        settings ??= Settings.Default;
        var colon = name.IndexOf(':');
        if (colon > 0 && name[..colon] is "tidemark-timer" or "tidemark-watch" or "tidemark-prepare")
        {
            var orderName = name[(colon + 1)..];
            IEvictionOrder? order = orderName switch
            {
                "oracle" => new OracleOrder(trace),
                "lfu" => new FrequencyOrder("lfu", false),
                "reuse-rate" => new FrequencyOrder("reuse-rate", true),
                _ => Orders.FirstOrDefault(o => o.Name == orderName),
            };
            if (order is null)
            {
                return null;
            }

            var prepare = name.StartsWith("tidemark-prepare", StringComparison.Ordinal);
            var watch = prepare || name.StartsWith("tidemark-watch", StringComparison.Ordinal);
            return new TidemarkPolicy(name, settings, watch ? TidemarkMode.Watch : TidemarkMode.Timer,
                watch ? settings.Watch.Interval : TimerEvery, order, prepare ? trace : null);
        }

        return CreateNamed(name, trace, settings);
    }

    private static ISimPolicy? CreateNamed(string name, Trace trace, Settings settings) => name switch
    {
        "autoprune-daily" => new AutopruneDaily(),
        // The seed's script: the gates, then stage 1 only, once a day; its own fixed 80 % mark.
        "seed-gated" => new TidemarkPolicy("seed-gated",
            Settings.Default with { Prune = Settings.Default.Prune with { Stage2 = false } },
            TidemarkMode.Timer, TimeSpan.FromDays(1)),
        "docuum-like" => new DocuumLike(),
        "kubelet-like" => new KubeletLike(),
        "tidemark-timer" => new TidemarkPolicy("tidemark-timer", settings, TidemarkMode.Timer, TimerEvery),
        "tidemark-watch" => new TidemarkPolicy("tidemark-watch", settings, TidemarkMode.Watch, settings.Watch.Interval),
        // watch, and every run calls `tidemark prepare` with its images before pulling them.
        "tidemark-prepare" => new TidemarkPolicy("tidemark-prepare", settings, TidemarkMode.Watch, settings.Watch.Interval, prepareFrom: trace),
        "belady" => new Belady(trace),
        "floor" => new Floor(),
        _ => null,
    };

    /// <summary>Runs one policy; the floor runs on an unbounded disk.</summary>
    public static SimResult Run(string name, Trace trace, long diskBytes, Settings? settings = null)
    {
        var policy = Create(name, trace, settings) ?? throw new ArgumentException($"unknown policy '{name}'");
        return Simulator.Run(trace, policy is Floor ? Floor.InfiniteDisk : diskBytes, policy);
    }

    /// <summary>All policies side by side, in parallel, with ratios to belady and floor.</summary>
    public static IReadOnlyList<SimResult> Compare(Trace trace, long diskBytes, IReadOnlyList<string>? names = null, Settings? settings = null)
    {
        var selected = names ?? Names;
        var results = new SimResult[selected.Count];
        // The planner's policies take most of the time: started first, each on a core of its own,
        // the cheap ones fill in behind them (one at a time, not handed out in chunks).
        var order = Enumerable.Range(0, selected.Count).OrderBy(i => selected[i].StartsWith("tidemark-", StringComparison.Ordinal) ? 0 : 1).ToList();
        Parallel.ForEach(Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering), i => results[i] = Run(selected[i], trace, diskBytes, settings));
        var belady = results.FirstOrDefault(r => r.Policy == "belady")?.BytesDownloaded;
        var floor = results.FirstOrDefault(r => r.Policy == "floor")?.BytesDownloaded;
        return results.Select(r => r with
        {
            RatioToBelady = belady is > 0 ? (double)r.BytesDownloaded / belady.Value : null,
            RatioToFloor = floor is > 0 ? (double)r.BytesDownloaded / floor.Value : null,
        }).ToList();
    }
}
