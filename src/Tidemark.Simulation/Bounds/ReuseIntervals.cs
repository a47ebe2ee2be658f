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
/// <param name="StartRequest">The earlier request's position among the trace's requests (pulls and uses).</param>
/// <param name="EndRequest">The later request's position.</param>
public readonly record struct ReuseInterval(string Digest, long Value, long Size, long Milliseconds, DateTimeOffset Start, DateTimeOffset End,
    int StartRequest, int EndRequest)
{
    /// <summary>Disk-time the interval costs if it is a hit: unpacked bytes × milliseconds.</summary>
    public Int128 Weight => (Int128)Size * Milliseconds;
}

/// <summary>A trace's layer requests, split into compulsory first requests and reuse intervals.</summary>
/// <param name="Compulsory">Compressed bytes of every distinct layer at its first request: what any policy downloads at least once.</param>
/// <param name="Requests">Layer requests: each distinct layer of the image of every pull and every use.</param>
/// <param name="SpanMilliseconds">From the first request to the last, rounded up to whole milliseconds.</param>
/// <param name="Times">Each request's time (pulls and uses, in trace order).</param>
/// <param name="ImageSizes">Each request's image: the unpacked bytes of its distinct layers (the smallest size given each), all on disk once it is served.</param>
public sealed record LayerRequests(long Compulsory, IReadOnlyList<ReuseInterval> Intervals, long Requests, long SpanMilliseconds,
    IReadOnlyList<DateTimeOffset> Times, IReadOnlyList<long> ImageSizes)
{
    /// <summary>
    /// Every pull line and every use line requests each distinct layer of its image. A use of an
    /// image already present requests layers that are all resident (no download); a use of a
    /// missing image pulls it, as <c>docker run</c> does. Ticks and run lines request nothing.
    /// </summary>
    public static LayerRequests Of(Trace trace)
    {
        var last = new Dictionary<string, (DateTimeOffset Time, int Request)>(StringComparer.Ordinal);
        var minSize = new Dictionary<string, long>(StringComparer.Ordinal);
        var raw = new List<(string Digest, long Value, DateTimeOffset Start, DateTimeOffset End, int StartRequest, int EndRequest)>();
        var times = new List<DateTimeOffset>();
        var images = new List<TraceImage>();
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
            var request = times.Count;
            times.Add(e.Time);
            images.Add(image);
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
                    raw.Add((layer.Digest, layer.Compressed, previous.Time, e.Time, previous.Request, request));
                }
                else
                {
                    compulsory += layer.Compressed;
                }

                last[layer.Digest] = (e.Time, request);
            }
        }

        var intervals = raw.Select(r => new ReuseInterval(r.Digest, r.Value, minSize[r.Digest],
            (r.End - r.Start).Ticks / TimeSpan.TicksPerMillisecond, r.Start, r.End, r.StartRequest, r.EndRequest)).ToList();
        var sizes = images.Select(i => i.Layers.DistinctBy(l => l.Digest).Sum(l => minSize[l.Digest])).ToList();
        var spanTicks = first is { } f && end is { } l ? (l - f).Ticks : 0;
        var span = (spanTicks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        return new LayerRequests(compulsory, intervals, requests, span, times, sizes);
    }
}
