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
    /// <param name="progress">Told (done, to read) before the first read and then as reads complete, for a store large enough to take a while.</param>
    public async Task<ApiResult<Dictionary<string, IReadOnlyList<LayerFact>>>> ReadAsync(
        IEnumerable<string> imageIds, UsageLedger ledger, CancellationToken ct, Action<int, int>? progress = null)
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
        progress?.Invoke(0, missing.Count);
        var done = 0;
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
                progress?.Invoke(Interlocked.Increment(ref done), missing.Count);
            }
        }).ToList();

        foreach (var (id, result) in await Task.WhenAll(reads).ConfigureAwait(false))
        {
            if (!result.IsOk)
            {
                if (result.Error!.Kind == ApiErrorKind.NotFound)
                {
                    continue;
                }

                return result.Error;
            }

            facts[id] = result.Value.Facts!;
            if (result.Value.Cacheable)
            {
                ledger.CacheLayers(id, result.Value.Facts!);
            }
        }

        return ApiResult<Dictionary<string, IReadOnlyList<LayerFact>>>.Ok(facts);
    }

    private async Task<ApiResult<LayerFactsResult>> ReadOneAsync(string id, CancellationToken ct)
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

        var i = inspect.Value;
        var steps = history.Value.AsEnumerable().Reverse().Select(h => new HistoryStep(h?.CreatedBy ?? "", h?.Size ?? -1)).ToList();
        var built = LayerFactsBuilder.Build(id, new InspectedImage(i.Id, i.Size, i.RootFS?.Type, i.RootFS?.Layers), steps);
        return built.Problem is { } problem
            ? new ApiError(ApiErrorKind.BadResponse, $"GET /images/{id}/json: the daemon's answer cannot be used ({problem}); nothing is decided on it")
            : ApiResult<LayerFactsResult>.Ok(built);
    }
}
