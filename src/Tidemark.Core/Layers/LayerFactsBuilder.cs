namespace Tidemark.Core.Layers;

/// <summary>What an image inspect says about the layers, as far as layer facts need it.</summary>
/// <param name="RootType">RootFS.Type: "layers" for every image the daemon builds or loads.</param>
public sealed record InspectedImage(string Id, long Size, string? RootType, IReadOnlyList<string>? DiffIds);

/// <param name="Facts">The layers, bottom up; null with a <paramref name="Problem"/>.</param>
/// <param name="Cacheable">The figures add up: they never change for this ID and may be kept.
/// False means an estimate for this run only, asked again next time.</param>
public sealed record LayerFactsResult(IReadOnlyList<LayerFact>? Facts, bool Cacheable, string? Problem);

/// <summary>
/// Builds an image's layer facts from its inspect and history, checking that the answer is about
/// this image and adds up before anything is cached: a cached error would stay for the image's
/// whole life ("frees nothing" on every run).
/// </summary>
public static class LayerFactsBuilder
{
    public static LayerFactsResult Build(string id, InspectedImage inspect, IReadOnlyList<HistoryStep> historyOldestFirst)
    {
        if (inspect.Id != id)
        {
            return Problem($"the answer is about '{Short(inspect.Id)}', not {Short(id)}");
        }

        if (inspect.RootType != "layers" || inspect.DiffIds is null)
        {
            return Problem("the answer has no RootFS layer list");
        }

        if (inspect.DiffIds.Any(d => !IsDigest(d)))
        {
            return Problem("a RootFS layer is not a sha256 digest");
        }

        if (inspect.Size < 0 || historyOldestFirst.Any(h => h.Size < 0))
        {
            return Problem("a negative size");
        }

        var chains = ChainIds.From(inspect.DiffIds);
        var sizes = HistorySizes.ForLayers(historyOldestFirst, chains.Count);
        if (sizes is not null && sizes.Sum() == inspect.Size)
        {
            return new LayerFactsResult(chains.Select((c, i) => new LayerFact(c, sizes[i])).ToList(), true, null);
        }

        // History that does not account for the image (none at all, squashed, or not matching the
        // size): the whole image on its top layer. That can only over-state what removing it
        // frees, so a plan stops early rather than removing more than needed; not cached.
        if (chains.Count == 0)
        {
            return new LayerFactsResult([], inspect.Size == 0, null);
        }

        IReadOnlyList<LayerFact> estimate = chains.Select((c, i) => new LayerFact(c, i == chains.Count - 1 ? inspect.Size : 0)).ToList();
        return new LayerFactsResult(estimate, false, null);
    }

    private static LayerFactsResult Problem(string why) => new(null, false, why);

    private static bool IsDigest(string? d) =>
        d is { Length: 71 } && d.StartsWith("sha256:", StringComparison.Ordinal) && d.AsSpan(7).ContainsAnyExcept("0123456789abcdef") is false;

    private static string Short(string s) => s.Length > 19 ? s[..19] + "…" : s;
}
