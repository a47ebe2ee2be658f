namespace Tidemark.Simulation.Traces;

public enum TraceKind
{
    /// <summary>An explicit pull: a manifest fetch, then the layers that are missing.</summary>
    Pull,
    /// <summary>A container created from the image (pulled first if missing, as `docker run` does).</summary>
    Use,
    RunStart,
    RunEnd,
    /// <summary>A timer decision point (the generator emits one every 5 minutes).</summary>
    Tick,
}

/// <summary>One layer of an image: digest, download (compressed) and on-disk (uncompressed) bytes.</summary>
public sealed record TraceLayer(string Digest, long Compressed, long Size);

/// <summary>An image as a trace names it.</summary>
public sealed record TraceImage(string Id, string Reference, DateTimeOffset Created, IReadOnlyList<TraceLayer> Layers)
{
    public long Size => Layers.Sum(l => l.Size);
}

/// <summary>One line of a trace. Image is set for pull and use; Run for run events and for pulls and uses inside a run.</summary>
public sealed record TraceEvent(DateTimeOffset Time, TraceKind Kind, TraceImage? Image = null, string? Run = null, string? Stack = null);

/// <summary>A parsed trace: its events in time order and, if it says, the disk it was made for.</summary>
public sealed record Trace(IReadOnlyList<TraceEvent> Events, long? DiskBytes, string? Description);
