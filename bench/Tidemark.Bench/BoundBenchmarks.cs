using BenchmarkDotNet.Attributes;
using Tidemark.Simulation.Bounds;
using Tidemark.Simulation.Generation;
using Tidemark.Simulation.Traces;

namespace Tidemark.Bench;

/// <summary>P1: the lower bound on the presets (the trace generated once, outside the measurement).</summary>
[MemoryDiagnoser]
public class BoundBenchmarks
{
    private Trace _trace = null!;
    private long _disk;

    [Params("busy-runner", "tight-disk")]
    public string Preset { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var preset = Presets.Find(Preset)!;
        _trace = TraceGenerator.Generate(preset, 1);
        _disk = preset.DiskBytes;
        var requests = LayerRequests.Of(_trace);
        Console.WriteLine($"// {Preset}: {requests.Requests} layer requests, {requests.Intervals.Count} reuse intervals");
    }

    [Benchmark(Description = "reuse intervals")]
    public int Intervals() => LayerRequests.Of(_trace).Intervals.Count;

    [Benchmark(Description = "lower bound")]
    public long Bound() => LowerBound.Compute(_trace, _disk).Bytes;
}
