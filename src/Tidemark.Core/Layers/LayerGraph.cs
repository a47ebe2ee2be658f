using Tidemark.Core.Inventory;

namespace Tidemark.Core.Layers;

/// <summary>
/// Which images hold which layers, with reference counts, so that the bytes a removal frees are
/// known exactly: a layer is freed when the last image holding it goes. Images are indexed by
/// their position in the list given; removal updates counts in place.
/// </summary>
public sealed class LayerGraph
{
    private readonly int[][] _imageLayers;
    private readonly long[] _layerSize;
    private readonly int[] _refCount;

    // Which images hold each layer, as one flat array: images of layer l are at
    // _holders[_holderStart[l] .. _holderStart[l + 1]).
    private readonly int[] _holderStart;
    private readonly int[] _holders;
    private readonly long[] _marginal;
    private readonly bool[] _removed;
    private readonly bool[] _hasFacts;
    private readonly int[] _parent;
    private readonly int[] _children;

    private LayerGraph(int[][] imageLayers, long[] layerSize, bool[] hasFacts, int[] parent)
    {
        _imageLayers = imageLayers;
        _layerSize = layerSize;
        _hasFacts = hasFacts;
        _parent = parent;
        _refCount = new int[layerSize.Length];
        for (var i = 0; i < imageLayers.Length; i++)
        {
            foreach (var l in imageLayers[i])
            {
                _refCount[l]++;
            }
        }

        _holderStart = new int[layerSize.Length + 1];
        for (var l = 0; l < layerSize.Length; l++)
        {
            _holderStart[l + 1] = _holderStart[l] + _refCount[l];
        }

        _holders = new int[_holderStart[layerSize.Length]];
        var fill = (int[])_holderStart.Clone();
        for (var i = 0; i < imageLayers.Length; i++)
        {
            foreach (var l in imageLayers[i])
            {
                _holders[fill[l]++] = i;
            }
        }

        _marginal = new long[imageLayers.Length];
        for (var i = 0; i < imageLayers.Length; i++)
        {
            foreach (var l in imageLayers[i])
            {
                if (_refCount[l] == 1)
                {
                    _marginal[i] += _layerSize[l];
                }
            }
        }

        _removed = new bool[imageLayers.Length];
        _children = new int[imageLayers.Length];
        foreach (var p in parent)
        {
            if (p >= 0)
            {
                _children[p]++;
            }
        }
    }

    public static LayerGraph Build(IReadOnlyList<ImageRecord> images, IReadOnlyDictionary<string, IReadOnlyList<LayerFact>> layers)
    {
        var layerIndex = new Dictionary<string, int>(images.Count * 4, StringComparer.Ordinal);
        var sizes = new List<long>(images.Count * 4);
        var imageLayers = new int[images.Count][];
        var hasFacts = new bool[images.Count];
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < images.Count; i++)
        {
            position.TryAdd(images[i].Id, i);
            if (!layers.TryGetValue(images[i].Id, out var facts))
            {
                imageLayers[i] = [];
                continue;
            }

            hasFacts[i] = true;
            var ids = new int[facts.Count];
            var n = 0;
            foreach (var fact in facts)
            {
                ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(layerIndex, fact.ChainId, out var exists);
                if (!exists)
                {
                    slot = sizes.Count;
                    sizes.Add(fact.Size);
                }

                if (Array.IndexOf(ids, slot, 0, n) < 0)
                {
                    ids[n++] = slot;
                }
            }

            imageLayers[i] = n == ids.Length ? ids : ids[..n];
        }

        var parent = images.Select(img => img.ParentId.Length > 0 && position.TryGetValue(img.ParentId, out var p) ? p : -1).ToArray();
        return new LayerGraph(imageLayers, sizes.ToArray(), hasFacts, parent);
    }

    public bool HasFacts(int image) => _hasFacts[image];

    public bool IsRemoved(int image) => _removed[image];

    public int ChildCount(int image) => _children[image];

    /// <summary>Bytes that removing the image now would free: its layers no other present image holds.</summary>
    public long Marginal(int image) => _marginal[image];

    /// <summary>
    /// Removes an image; returns the bytes freed. <paramref name="gained"/> lists images whose
    /// marginal grew (they became a layer's last holder); <paramref name="parent"/> the parent whose
    /// child count fell, or -1.
    /// </summary>
    public long Remove(int image, out List<int> gained, out int parent)
    {
        gained = [];
        var freed = _marginal[image];
        _removed[image] = true;
        _marginal[image] = 0;
        foreach (var l in _imageLayers[image])
        {
            _refCount[l]--;
            if (_refCount[l] == 1)
            {
                for (var h = _holderStart[l]; h < _holderStart[l + 1]; h++)
                {
                    var other = _holders[h];
                    if (!_removed[other])
                    {
                        _marginal[other] += _layerSize[l];
                        gained.Add(other);
                        break;
                    }
                }
            }
        }

        parent = _parent[image];
        if (parent >= 0)
        {
            _children[parent]--;
        }

        return freed;
    }

    /// <summary>From scratch: the bytes of layers held by removed images and by no kept one.</summary>
    public static long FreedByRemoving(IReadOnlyList<ImageRecord> images, IReadOnlyDictionary<string, IReadOnlyList<LayerFact>> layers, IReadOnlySet<string> removed)
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in images.Where(i => !removed.Contains(i.Id)))
        {
            if (layers.TryGetValue(image.Id, out var facts))
            {
                kept.UnionWith(facts.Select(f => f.ChainId));
            }
        }

        return images.Where(i => removed.Contains(i.Id))
            .SelectMany(i => layers.TryGetValue(i.Id, out var f) ? f : [])
            .Where(f => !kept.Contains(f.ChainId))
            .DistinctBy(f => f.ChainId)
            .Sum(f => f.Size);
    }
}
