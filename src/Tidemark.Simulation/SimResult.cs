namespace Tidemark.Simulation;

/// <summary>What one policy cost over one trace.</summary>
/// <param name="BytesDownloaded">Compressed bytes fetched from registries.</param>
/// <param name="Pulls">Registry pulls (manifest fetches): every pull line, and every use of a missing image.</param>
/// <param name="FullHits">Pull lines that found every layer already on disk.</param>
/// <param name="FailedJobs">Runs (or lone pulls) that failed because a pull did not fit the free space.</param>
/// <param name="FailedPullBytes">Compressed bytes fetched by pulls that then failed (<see cref="SimStore.FailedPullTransfer"/>): traffic that served no job, not in BytesDownloaded.</param>
/// <param name="Removals">Images (or, for the offline reference, layers) the policy removed.</param>
public sealed record SimResult(
    string Policy,
    long BytesDownloaded,
    long Pulls,
    long FullHits,
    long FailedJobs,
    long FailedPullBytes,
    long PeakDiskBytes,
    long MeanDiskBytes,
    long Removals,
    TimeSpan Elapsed)
{
    public double? RatioToBelady { get; init; }

    public double? RatioToFloor { get; init; }

    /// <summary>Bytes downloaded ÷ the proven lower bound (<see cref="Bounds.LowerBound"/>), when it was computed.</summary>
    public double? RatioToBound { get; init; }
}
