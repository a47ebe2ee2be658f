using Tidemark.Simulation.Traces;

namespace Tidemark.Simulation;

/// <summary>
/// A simulated image store with a disk budget: layers shared between images, images held by
/// reference counts, and images in use by the containers of live runs (which nothing may remove,
/// as the daemon refuses it).
/// </summary>
public sealed class SimStore(long capacity)
{
    private readonly Dictionary<string, long> _layers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _refs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TraceImage> _images = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _inUse = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _holder = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _tags = new(StringComparer.Ordinal);

    public long Capacity { get; } = capacity;

    /// <summary>Changes whenever an image comes, goes or a tag moves: a snapshot of an unchanged store can be reused.</summary>
    public long Version { get; private set; }

    public long Used { get; private set; }

    public long Free => Capacity - Used;

    public IReadOnlyDictionary<string, TraceImage> Images => _images;

    public bool HasLayer(string digest) => _layers.ContainsKey(digest);

    public bool IsPresent(TraceImage image) => _images.ContainsKey(image.Id);

    public bool IsInUse(string imageId) => _inUse.ContainsKey(imageId);

    /// <summary>
    /// The references an image holds now. A reference names one image at a time: pulling
    /// `app:main` as a new ID moves the tag, and the old image keeps only its other tags — none
    /// left makes it dangling, as on a real daemon. The array is replaced, never changed.
    /// </summary>
    public IReadOnlyList<string> TagsOf(string imageId) => _tags.TryGetValue(imageId, out var tags) ? tags : [];

    /// <summary>Images that hold no tag (what `docker image prune` takes).</summary>
    public bool IsDangling(string imageId) => _images.ContainsKey(imageId) && TagsOf(imageId).Count == 0;

    public IEnumerable<string> InUse => _inUse.Keys;

    /// <summary>Layers the image lacks: what a pull downloads (compressed) and writes (size).</summary>
    public (long Compressed, long Size) Missing(TraceImage image)
    {
        long compressed = 0, size = 0;
        foreach (var l in image.Layers.DistinctBy(l => l.Digest))
        {
            if (!_layers.ContainsKey(l.Digest))
            {
                compressed += l.Compressed;
                size += l.Size;
            }
        }

        return (compressed, size);
    }

    /// <summary>
    /// What a pull that does not fit fetches before it fails: the missing layers in manifest order
    /// up to and including the first one whose writing overflows the free space (it is fetched
    /// whole, then its extraction fails). Docker drops the partial pull, so nothing stays on disk.
    /// </summary>
    public long FailedPullTransfer(TraceImage image)
    {
        long transferred = 0, written = 0;
        foreach (var l in image.Layers.DistinctBy(l => l.Digest))
        {
            if (_layers.ContainsKey(l.Digest))
            {
                continue;
            }

            transferred += l.Compressed;
            written += l.Size;
            if (written > Free)
            {
                break;
            }
        }

        return transferred;
    }

    /// <summary>Pulls the image: its missing layers are written. The caller checks the space first.</summary>
    public void Add(TraceImage image)
    {
        foreach (var l in image.Layers.DistinctBy(l => l.Digest))
        {
            if (_layers.TryAdd(l.Digest, l.Size))
            {
                Used += l.Size;
            }

            if (!_images.ContainsKey(image.Id))
            {
                _refs[l.Digest] = _refs.GetValueOrDefault(l.Digest) + 1;
            }
        }

        if (_images.TryAdd(image.Id, image))
        {
            Version++;
        }

        Tag(image.Id, image.Reference);
    }

    private void Tag(string imageId, string reference)
    {
        if (_holder.TryGetValue(reference, out var previous))
        {
            if (previous == imageId)
            {
                return;
            }

            Untag(previous, reference);
        }

        _holder[reference] = imageId;
        _tags[imageId] = [.. TagsOf(imageId), reference];
        Version++;
    }

    private void Untag(string imageId, string reference)
    {
        var left = TagsOf(imageId).Where(t => t != reference).ToArray();
        if (left.Length == 0)
        {
            _tags.Remove(imageId);
        }
        else
        {
            _tags[imageId] = left;
        }
    }

    /// <summary>An image gone from the store takes its tags with it.</summary>
    private void Forget(string imageId)
    {
        foreach (var reference in TagsOf(imageId))
        {
            if (_holder.TryGetValue(reference, out var holder) && holder == imageId)
            {
                _holder.Remove(reference);
            }
        }

        _tags.Remove(imageId);
    }

    /// <summary>
    /// Removes an image by ID, as DELETE /images without force: refused for an image in use;
    /// layers no other image holds are freed. Returns the bytes freed, or null when refused.
    /// </summary>
    public long? Remove(string imageId)
    {
        if (_inUse.ContainsKey(imageId) || !_images.Remove(imageId, out var image))
        {
            return null;
        }

        Forget(imageId);
        Version++;

        long freed = 0;
        foreach (var l in image.Layers.DistinctBy(l => l.Digest))
        {
            var left = _refs[l.Digest] - 1;
            if (left > 0)
            {
                _refs[l.Digest] = left;
                continue;
            }

            _refs.Remove(l.Digest);
            if (_layers.Remove(l.Digest, out var size))
            {
                Used -= size;
                freed += size;
            }
        }

        return freed;
    }

    /// <summary>
    /// For the offline reference only: drops one layer, so every image holding it is incomplete
    /// (its other layers stay cached). Refused for a layer of an image in use.
    /// </summary>
    public bool EvictLayer(string digest)
    {
        var holders = _images.Values.Where(i => i.Layers.Any(l => l.Digest == digest)).ToList();
        if (holders.Any(h => _inUse.ContainsKey(h.Id)) || !_layers.Remove(digest, out var size))
        {
            return false;
        }

        Used -= size;
        foreach (var h in holders)
        {
            _images.Remove(h.Id);
            Forget(h.Id);
            Version++;
            foreach (var l in h.Layers.DistinctBy(l => l.Digest))
            {
                if (_refs.TryGetValue(l.Digest, out var r))
                {
                    if (r > 1)
                    {
                        _refs[l.Digest] = r - 1;
                    }
                    else
                    {
                        _refs.Remove(l.Digest);
                    }
                }
            }
        }

        return true;
    }

    public IEnumerable<KeyValuePair<string, long>> Layers => _layers;

    public void Use(string imageId) => _inUse[imageId] = _inUse.GetValueOrDefault(imageId) + 1;

    public void Release(string imageId)
    {
        if (_inUse.TryGetValue(imageId, out var n))
        {
            if (n > 1)
            {
                _inUse[imageId] = n - 1;
            }
            else
            {
                _inUse.Remove(imageId);
            }
        }
    }
}
