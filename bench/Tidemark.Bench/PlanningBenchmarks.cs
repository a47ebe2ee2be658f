using BenchmarkDotNet.Attributes;
using Tidemark.Core.Configuration;
using Tidemark.Core.Planning;

namespace Tidemark.Bench;

/// <summary>P2: one full decision (gates, stage 1, stage 2 over the layer graph) per inventory size.</summary>
[MemoryDiagnoser]
public class PlanningBenchmarks
{
    private Inventory _inventory = null!;
    private Policy _policy = null!;
    private Policy _lru = null!;

    [Params(1_000, 10_000, 50_000)]
    public int Images { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _inventory = Inventory.Create(Images);
        var settings = Settings.Default with { Prune = Settings.Default.Prune with { MinAge = TimeSpan.FromHours(1) } };
        _policy = new Policy(settings);
        _lru = new Policy(settings, LeastRecentlyUsed.Instance);
        Console.WriteLine($"// {Images} images, {_inventory.LayerCount} distinct layers");
    }

    [Benchmark(Baseline = true, Description = "decide (predicted-reuse)")]
    public int Decide() => _policy.Decide(_inventory.Snapshot, new UsageView(_inventory.Ledger, _inventory.Layers)).Actions.Count;

    [Benchmark(Description = "decide (lru)")]
    public int DecideLru() => _lru.Decide(_inventory.Snapshot, new UsageView(_inventory.Ledger, _inventory.Layers)).Actions.Count;
}
