namespace Tidemark.Docker.Pull;

/// <summary>What one pull did, in the figures an operator compares between a cold and a warm pull.</summary>
/// <param name="Layers">Every layer the image has, in the order the daemon announced them.</param>
/// <param name="UpToDate">The daemon said "Image is up to date": it already had this exact image.</param>
/// <param name="Digest">The manifest digest the registry served, when the daemon said it.</param>
/// <param name="Failure">Why the pull failed, or null.</param>
public sealed record PullSummary(
    string Reference,
    TimeSpan Wall,
    IReadOnlyList<LayerProgress> Layers,
    bool UpToDate,
    string? Digest,
    PullFailure? Failure)
{
    public int LayersExisting => Layers.Count(l => l.Stage == LayerStage.Existing);

    public int LayersDownloaded => Layers.Count(l => l.Stage is LayerStage.Downloaded or LayerStage.Downloading);

    /// <summary>Bytes that came over the network: the sizes of the layers downloaded.</summary>
    public long BytesDownloaded => Layers.Sum(l => l.BytesDownloaded ?? 0);

    /// <summary>Layers downloaded whose size the daemon never reported (too small to show progress).</summary>
    public int LayersWithoutSize => Layers.Count(l => l.Stage == LayerStage.Downloaded && l.Total is null);

    public bool Succeeded => Failure is null;
}
