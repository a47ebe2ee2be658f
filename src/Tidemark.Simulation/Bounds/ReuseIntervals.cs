using Tidemark.Simulation.Traces;

namespace Tidemark.Simulation.Bounds;

/// <summary>
/// One reuse interval of a layer: from one request of the layer to its next request. The later
/// request downloads <see cref="Value"/> compressed bytes unless the layer stayed on disk over
/// the whole interval, which holds <see cref="Size"/> unpacked bytes for its duration.
/// </summary>
/// <param name="Value">Compressed bytes the later request downloads if the layer is not resident.</param>
/// <param name="Size">Unpacked bytes on disk while resident: the smallest size the trace gives the digest.</param>
/// <param name="Milliseconds">The interval's length, rounded down to whole milliseconds.</param>
public readonly record struct ReuseInterval(string Digest, long Value, long Size, long Milliseconds, DateTimeOffset Start, DateTimeOffset End)
{
    /// <summary>Disk-time the interval costs if it is a hit: unpacked bytes × milliseconds.</summary>
    public Int128 Weight => (Int128)Size * Milliseconds;
}

/// <summary>A trace's layer requests, split into compulsory first requests and reuse intervals.</summary>
/// <param name="Compulsory">Compressed bytes of every distinct layer at its first request: what any policy downloads at least once.</param>
/// <param name="Requests">Layer requests: each distinct layer of the image of every pull and every use.</param>
/// <param name="SpanMilliseconds">From the first request to the last, rounded up to whole milliseconds.</param>
/// <param name="First">The first request's time (the start of the span), if there is any request.</param>
public sealed record LayerRequests(long Compulsory, IReadOnlyList<ReuseInterval> Intervals, long Requests, long SpanMilliseconds, DateTimeOffset? First = null)
{
    /// <summary>
    /// Every pull line and every use line requests each distinct layer of its image. A use of an
    /// image already present requests layers that are all resident (no download); a use of a
    /// missing image pulls it, as <c>docker run</c> does. Ticks and run lines request nothing.
    /// </summary>
    public static LayerRequests Of(Trace trace)
    {
        var last = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var minSize = new Dictionary<string, long>(StringComparer.Ordinal);
        var raw = new List<(string Digest, long Value, DateTimeOffset Start, DateTimeOffset End)>();
        long compulsory = 0, requests = 0;
        DateTimeOffset? first = null, end = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in trace.Events)
        {
            if (e.Kind is not (TraceKind.Pull or TraceKind.Use) || e.Image is not { } image)
            {
                continue;
            }

            first ??= e.Time;
            end = e.Time;
            seen.Clear();
            foreach (var layer in image.Layers)
            {
                if (!seen.Add(layer.Digest))
                {
                    continue;
                }

                requests++;
                minSize[layer.Digest] = minSize.TryGetValue(layer.Digest, out var s) ? Math.Min(s, layer.Size) : layer.Size;
                if (last.TryGetValue(layer.Digest, out var previous))
                {
                    raw.Add((layer.Digest, layer.Compressed, previous, e.Time));
                }
                else
                {
                    compulsory += layer.Compressed;
                }

                last[layer.Digest] = e.Time;
            }
        }

        var intervals = raw.Select(r => new ReuseInterval(r.Digest, r.Value, minSize[r.Digest],
            (r.End - r.Start).Ticks / TimeSpan.TicksPerMillisecond, r.Start, r.End)).ToList();
        var spanTicks = first is { } f && end is { } l ? (l - f).Ticks : 0;
        var span = (spanTicks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        return new LayerRequests(compulsory, intervals, requests, span, first);
    }
}
