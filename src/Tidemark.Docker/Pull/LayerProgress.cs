namespace Tidemark.Docker.Pull;

/// <summary>Where one layer of a pull stands, as the daemon's progress messages tell it.</summary>
public enum LayerStage
{
    /// <summary>Announced ("Pulling fs layer", "Waiting"): not yet known to be needed or present.</summary>
    Waiting,

    /// <summary>"Already exists": the daemon had it; nothing was downloaded.</summary>
    Existing,

    Downloading,

    /// <summary>"Download complete", "Extracting", "Pull complete": every byte of it came over the network.</summary>
    Downloaded,
}

/// <param name="Id">The daemon's short ID of the layer (the first 12 hex digits of its blob digest).</param>
/// <param name="Total">The blob's size when the daemon reported it (its "Downloading" total).</param>
/// <param name="Current">Bytes received so far, as last reported.</param>
public sealed record LayerProgress(string Id, LayerStage Stage, long Current, long? Total)
{
    /// <summary>Bytes this layer brought over the network: its size once downloaded, else what has arrived.</summary>
    public long? BytesDownloaded => Stage switch
    {
        LayerStage.Existing or LayerStage.Waiting => 0,
        LayerStage.Downloaded => Total,
        _ => Current,
    };
}
