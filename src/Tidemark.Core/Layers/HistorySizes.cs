namespace Tidemark.Core.Layers;

/// <summary>One entry of an image's history, oldest first.</summary>
public sealed record HistoryStep(string CreatedBy, long Size);

/// <summary>
/// Per-layer sizes from an image's history. The history has one entry per build step and the
/// Engine API does not say which steps made no layer (ENV, LABEL, …); those report size 0. When
/// there are more steps than layers, the zero-size steps that look like metadata are dropped
/// first, then the remaining zero-size steps from the oldest. Sizes always add up to the image.
/// </summary>
public static class HistorySizes
{
    private static readonly string[] MetadataVerbs =
        ["ENV", "LABEL", "CMD", "ENTRYPOINT", "EXPOSE", "WORKDIR", "USER", "ARG", "VOLUME", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "ONBUILD", "MAINTAINER"];

    /// <returns>One size per layer, or null when the history cannot account for the layers.</returns>
    public static IReadOnlyList<long>? ForLayers(IReadOnlyList<HistoryStep> oldestFirst, int layerCount)
    {
        var steps = oldestFirst.ToList();
        if (steps.Count(s => s.Size > 0) > layerCount)
        {
            return null;
        }

        var surplus = steps.Count - layerCount;
        for (var pass = 0; pass < 2 && surplus > 0; pass++)
        {
            for (var i = 0; i < steps.Count && surplus > 0;)
            {
                if (steps[i].Size == 0 && (pass == 1 || LooksLikeMetadata(steps[i].CreatedBy)))
                {
                    steps.RemoveAt(i);
                    surplus--;
                }
                else
                {
                    i++;
                }
            }
        }

        if (steps.Count < layerCount)
        {
            // Fewer steps than layers (a squashed or imported image): put the bytes on the top layer.
            var padded = Enumerable.Repeat(0L, layerCount - steps.Count).Concat(steps.Select(s => s.Size)).ToList();
            return padded;
        }

        return steps.Select(s => s.Size).ToList();
    }

    private static bool LooksLikeMetadata(string createdBy)
    {
        var text = createdBy.Trim();
        var nop = text.IndexOf("#(nop)", StringComparison.Ordinal);
        if (nop >= 0)
        {
            // Classic builder: "#(nop) ADD/COPY" made a layer, any other #(nop) did not.
            var rest = text[(nop + 6)..].TrimStart();
            return !rest.StartsWith("ADD", StringComparison.Ordinal) && !rest.StartsWith("COPY", StringComparison.Ordinal);
        }

        var verb = text.Split(' ', 2)[0];
        return MetadataVerbs.Contains(verb, StringComparer.Ordinal);
    }
}
