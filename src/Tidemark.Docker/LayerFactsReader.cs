using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Docker.Api;

namespace Tidemark.Docker;

/// <summary>
/// Layer facts (chain IDs and sizes) per image ID, from image inspect and history. They never
/// change for an image ID, so they are cached in the ledger and read once per image.
/// </summary>
public sealed class LayerFactsReader(DockerClient client)
{
    /// <returns>Facts for every image that still exists; images removed meanwhile are left out.</returns>
    public async Task<ApiResult<Dictionary<string, IReadOnlyList<LayerFact>>>> ReadAsync(
        IEnumerable<string> imageIds, UsageLedger ledger, CancellationToken ct)
    {
        var facts = new Dictionary<string, IReadOnlyList<LayerFact>>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var id in imageIds)
        {
            if (ledger.Find(id)?.Layers is { } cached)
            {
                facts[id] = cached;
            }
            else
            {
                missing.Add(id);
            }
        }

        // A few at a time: the daemon serves them in parallel, and a big store is read once.
        using var gate = new SemaphoreSlim(8);
        var reads = missing.Select(async id =>
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                return (id, result: await ReadOneAsync(id, ct).ConfigureAwait(false));
            }
            finally
            {
                gate.Release();
            }
        }).ToList();

        foreach (var (id, result) in await Task.WhenAll(reads).ConfigureAwait(false))
        {
            if (result.IsOk)
            {
                facts[id] = result.Value;
                ledger.CacheLayers(id, result.Value);
            }
            else if (result.Error!.Kind != ApiErrorKind.NotFound)
            {
                return result.Error;
            }
        }

        return ApiResult<Dictionary<string, IReadOnlyList<LayerFact>>>.Ok(facts);
    }

    private async Task<ApiResult<IReadOnlyList<LayerFact>>> ReadOneAsync(string id, CancellationToken ct)
    {
        var inspect = await client.InspectImageAsync(id, ct).ConfigureAwait(false);
        if (!inspect.IsOk)
        {
            return inspect.Error!;
        }

        var history = await client.GetImageHistoryAsync(id, ct).ConfigureAwait(false);
        if (!history.IsOk)
        {
            return history.Error!;
        }

        var diffIds = inspect.Value.RootFS?.Layers ?? [];
        var chains = ChainIds.From(diffIds);
        var steps = history.Value.AsEnumerable().Reverse().Select(h => new HistoryStep(h.CreatedBy ?? "", h.Size)).ToList();
        var sizes = HistorySizes.ForLayers(steps, chains.Count);
        if (sizes is null)
        {
            // History that cannot be matched to the layers: charge the whole image to its top layer.
            // That can only over-state what removing it frees, so a plan stops early (the next run
            // continues) rather than removing more than needed.
            sizes = [.. Enumerable.Repeat(0L, Math.Max(0, chains.Count - 1)), inspect.Value.Size];
        }

        IReadOnlyList<LayerFact> layers = chains.Select((c, i) => new LayerFact(c, sizes[i])).ToList();
        return ApiResult<IReadOnlyList<LayerFact>>.Ok(layers);
    }
}
