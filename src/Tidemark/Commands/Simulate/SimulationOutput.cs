using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tidemark.Cli.Output;
using Tidemark.Core.Text;
using Tidemark.Simulation;
using Tidemark.Simulation.Bounds;

namespace Tidemark.Cli.Commands.Simulate;

/// <summary>Simulation results as a table or as JSON (one output path for run and compare).</summary>
public static class SimulationOutput
{
    /// <param name="bound">The lower bound for the disk, when computed (compare): a line of its own and a ÷bound column.</param>
    public static void Write(TextWriter w, IReadOnlyList<SimResult> results, string? trace, long disk, bool json, LowerBoundResult? bound = null)
    {
        if (json)
        {
            var doc = new SimulationDocument(trace, disk, results.Select(r => new PolicyDocument(
                r.Policy, r.BytesDownloaded, r.Pulls, r.FullHits, r.FailedJobs, r.FailedPullBytes, r.PeakDiskBytes, r.MeanDiskBytes, r.Removals,
                r.RatioToBelady, r.RatioToBound, r.RatioToFloor, Math.Round(r.Elapsed.TotalSeconds, 3))).ToList())
            {
                LowerBound = bound is null ? null : new LowerBoundDocument(bound.Bytes, bound.SpanWideBytes, bound.Compulsory, bound.ReuseBytes,
                    bound.MaxHitBytes, bound.Requests, bound.Intervals, Math.Round(bound.Elapsed.TotalSeconds, 3)),
            };
            w.WriteLine(JsonSerializer.Serialize(doc, SimulationJsonContext.Default.SimulationDocument));
            return;
        }

        if (trace is not null)
        {
            w.WriteLine(Safe.Line($"trace: {trace}"));
        }

        w.WriteLine($"disk: {ByteSize.Format(disk)}");
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"policy",-30} {"downloaded",11} {"÷belady",8} {"÷bound",7} {"÷floor",7} {"pulls",7} {"full hits",9} {"failed jobs",11} {"failed pulls",12} {"peak disk",10} {"mean disk",10} {"removals",8}"));
        foreach (var r in results)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Policy,-30} {ByteSize.Format(r.BytesDownloaded),11} {Ratio(r.RatioToBelady),8} {Ratio(r.RatioToBound),7} {Ratio(r.RatioToFloor),7} {r.Pulls,7} {r.FullHits,9} {r.FailedJobs,11} {ByteSize.Format(r.FailedPullBytes),12} {ByteSize.Format(r.PeakDiskBytes),10} {ByteSize.Format(r.MeanDiskBytes),10} {r.Removals,8}"));
        }

        if (bound is not null)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"lower bound: {ByteSize.Format(bound.Bytes)} (span-wide {ByteSize.Format(bound.SpanWideBytes)}; compulsory {ByteSize.Format(bound.Compulsory)} + at least {ByteSize.Format(bound.Bytes - bound.Compulsory)} of {ByteSize.Format(bound.ReuseBytes)} requested again; {bound.Elapsed.TotalMilliseconds:0} ms) — no policy that fails no job downloads less on this disk"));
            foreach (var below in results.Where(r => r.Policy != "floor" && r.BytesDownloaded < bound.Bytes))
            {
                w.WriteLine(below.FailedJobs > 0
                    ? $"note: {below.Policy} is below the lower bound only because {below.FailedJobs} jobs failed: it did not serve every request, so it is not comparable"
                    : $"note: {below.Policy} is below the lower bound with no failed job: that is a bug in the simulator or the bound, please report it");
            }
        }

        var belady = results.FirstOrDefault(r => r.Policy == "belady");
        if (belady is not null)
        {
            foreach (var better in results.Where(r => r.Policy is not ("belady" or "floor") && r.BytesDownloaded < belady.BytesDownloaded && r.FailedJobs <= belady.FailedJobs))
            {
                w.WriteLine($"note: {better.Policy} downloaded less than belady — belady is a heuristic at layer granularity, not an optimum");
            }
        }
    }

    private static string Ratio(double? r) => r is { } v ? v.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "-";
}

public sealed record SimulationDocument(string? Trace, long DiskBytes, List<PolicyDocument> Policies)
{
    /// <summary>The proven lower bound for the disk (compare only).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LowerBoundDocument? LowerBound { get; init; }
}

/// <summary>The lower bound: bytes, the span-wide knapsack's alone, its compulsory part, the bytes requested again, the most of those any policy can save.</summary>
public sealed record LowerBoundDocument(long Bytes, long SpanWideBytes, long Compulsory, long ReuseBytes, long MaxHitBytes, long LayerRequests, int ReuseIntervals, double Seconds);

public sealed record PolicyDocument(
    string Policy,
    long BytesDownloaded,
    long Pulls,
    long FullHits,
    long FailedJobs,
    long FailedPullBytes,
    long PeakDiskBytes,
    long MeanDiskBytes,
    long Removals,
    double? RatioToBelady,
    double? RatioToBound,
    double? RatioToFloor,
    double Seconds);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SimulationDocument))]
public sealed partial class SimulationJsonContext : JsonSerializerContext
{
}
