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
        // Layers by number, and each image's distinct layers once (traces share image objects between lines).
        var number = new Dictionary<string, int>(StringComparer.Ordinal);
        var digests = new List<string>();
        var minSize = new List<long>();
        var lastRequest = new List<int>();
        var imageIndex = new Dictionary<TraceImage, int>(ReferenceEqualityComparer.Instance);
        var imageLayers = new List<(int[] Layers, long[] Compressed)>();
        var raw = new List<(int Layer, long Value, int StartRequest, int EndRequest)>();
        var times = new List<DateTimeOffset>();
        var requestImage = new List<int>();
        long compulsory = 0, requests = 0;
        foreach (var e in trace.Events)
        {
            if (e.Kind is not (TraceKind.Pull or TraceKind.Use) || e.Image is not { } image)
            {
                continue;
            }

            if (!imageIndex.TryGetValue(image, out var index))
            {
                index = imageLayers.Count;
                imageIndex[image] = index;
                var distinct = image.Layers.DistinctBy(l => l.Digest).ToList();
                var layers = new int[distinct.Count];
                for (var j = 0; j < distinct.Count; j++)
                {
                    if (!number.TryGetValue(distinct[j].Digest, out var n))
                    {
                        n = digests.Count;
                        number[distinct[j].Digest] = n;
                        digests.Add(distinct[j].Digest);
                        minSize.Add(distinct[j].Size);
                        lastRequest.Add(-1);
                    }

                    minSize[n] = Math.Min(minSize[n], distinct[j].Size);
                    layers[j] = n;
                }

                imageLayers.Add((layers, distinct.Select(l => l.Compressed).ToArray()));
            }

            var request = times.Count;
            times.Add(e.Time);
            requestImage.Add(index);
            var (ids, compressed) = imageLayers[index];
            requests += ids.Length;
            for (var j = 0; j < ids.Length; j++)
            {
                var previous = lastRequest[ids[j]];
                if (previous >= 0)
                {
                    raw.Add((ids[j], compressed[j], previous, request));
                }
                else
                {
                    compulsory += compressed[j];
                }

                lastRequest[ids[j]] = request;
            }
        }

        var intervals = new List<ReuseInterval>(raw.Count);
        foreach (var (layer, value, from, to) in raw)
        {
            intervals.Add(new ReuseInterval(digests[layer], value, minSize[layer],
                (times[to] - times[from]).Ticks / TimeSpan.TicksPerMillisecond, times[from], times[to], from, to));
        }

        var imageSize = imageLayers.Select(i => i.Layers.Sum(l => minSize[l])).ToArray();
        var sizes = requestImage.Select(i => imageSize[i]).ToList();
        var spanTicks = times.Count > 0 ? (times[^1] - times[0]).Ticks : 0;
        var span = (spanTicks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
        return new LayerRequests(compulsory, intervals, requests, span, times, sizes);
    }
}
