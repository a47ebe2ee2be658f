using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tidemark.Cli.Output;
using Tidemark.Core.Text;
using Tidemark.Simulation;

namespace Tidemark.Cli.Commands.Simulate;

/// <summary>Simulation results as a table or as JSON (one output path for run and compare).</summary>
public static class SimulationOutput
{
    public static void Write(TextWriter w, IReadOnlyList<SimResult> results, string? trace, long disk, bool json)
    {
        if (json)
        {
            var doc = new SimulationDocument(trace, disk, results.Select(r => new PolicyDocument(
                r.Policy, r.BytesDownloaded, r.Pulls, r.FullHits, r.FailedJobs, r.PeakDiskBytes, r.MeanDiskBytes, r.Removals,
                r.RatioToBelady, r.RatioToFloor, Math.Round(r.Elapsed.TotalSeconds, 3))).ToList());
            w.WriteLine(JsonSerializer.Serialize(doc, SimulationJsonContext.Default.SimulationDocument));
            return;
        }

        if (trace is not null)
        {
            w.WriteLine(Safe.Line($"trace: {trace}"));
        }

        w.WriteLine($"disk: {ByteSize.Format(disk)}");
        w.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{"policy",-30} {"downloaded",11} {"÷belady",8} {"÷floor",7} {"pulls",7} {"full hits",9} {"failed jobs",11} {"peak disk",10} {"mean disk",10} {"removals",8}"));
        foreach (var r in results)
        {
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Policy,-30} {ByteSize.Format(r.BytesDownloaded),11} {Ratio(r.RatioToBelady),8} {Ratio(r.RatioToFloor),7} {r.Pulls,7} {r.FullHits,9} {r.FailedJobs,11} {ByteSize.Format(r.PeakDiskBytes),10} {ByteSize.Format(r.MeanDiskBytes),10} {r.Removals,8}"));
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

public sealed record SimulationDocument(string? Trace, long DiskBytes, List<PolicyDocument> Policies);

public sealed record PolicyDocument(
    string Policy,
    long BytesDownloaded,
    long Pulls,
    long FullHits,
    long FailedJobs,
    long PeakDiskBytes,
    long MeanDiskBytes,
    long Removals,
    double? RatioToBelady,
    double? RatioToFloor,
    double Seconds);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(SimulationDocument))]
public sealed partial class SimulationJsonContext : JsonSerializerContext
{
}
