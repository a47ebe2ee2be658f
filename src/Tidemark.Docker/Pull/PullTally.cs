using Tidemark.Docker.Models;

namespace Tidemark.Docker.Pull;

/// <summary>A change worth a plain progress line: a layer reached a new stage.</summary>
public sealed record LayerChange(LayerProgress Layer, LayerStage? Before);

/// <summary>
/// Folds the daemon's pull progress messages into per-layer state. It reads only what the
/// daemon states ("Already exists", "Downloading" with its total, "Download complete", "Pull
/// complete", "Status: Image is up to date"); a layer's bytes are its blob size as the daemon
/// reported it, never a guess.
/// </summary>
public sealed class PullTally
{
    private readonly Dictionary<string, LayerProgress> _layers = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public bool UpToDate { get; private set; }

    public string? Digest { get; private set; }

    /// <summary>The daemon's error message when the stream ended in one.</summary>
    public string? Error { get; private set; }

    /// <summary>The daemon said how the pull ended ("Status: …").</summary>
    public bool Finished { get; private set; }

    public IReadOnlyList<LayerProgress> Layers => [.. _order.Select(id => _layers[id])];

    /// <summary>Takes one message; returns the layer change it made, if any.</summary>
    public LayerChange? Apply(PullMessage message)
    {
        if (!string.IsNullOrEmpty(message.Error) || message.ErrorDetail?.Message is { Length: > 0 })
        {
            Error = message.ErrorDetail?.Message is { Length: > 0 } detail ? detail : message.Error;
            return null;
        }

        var status = message.Status ?? "";
        if (status.StartsWith("Status: ", StringComparison.Ordinal))
        {
            Finished = true;
            UpToDate |= status.StartsWith("Status: Image is up to date", StringComparison.Ordinal);
            return null;
        }

        if (status.StartsWith("Digest: ", StringComparison.Ordinal))
        {
            Digest = status["Digest: ".Length..].Trim();
            return null;
        }

        if (string.IsNullOrEmpty(message.Id) || Stage(status) is not { } stage)
        {
            // "Pulling from repo" (its id is the tag), and anything this version does not know.
            return null;
        }

        var before = _layers.TryGetValue(message.Id, out var known) ? known : null;
        if (before is null)
        {
            _order.Add(message.Id);
        }

        var total = Positive(message.ProgressDetail?.Total) ?? before?.Total;
        var current = Positive(message.ProgressDetail?.Current) ?? before?.Current ?? 0;
        // A stage never goes back: "Extracting" after "Download complete" is still downloaded,
        // and a late "Waiting" changes nothing.
        var next = before is { } b && b.Stage > stage ? b.Stage : stage;
        var layer = new LayerProgress(message.Id, next, current, total);
        _layers[message.Id] = layer;
        return before?.Stage == next && next != LayerStage.Downloading ? null : new LayerChange(layer, before?.Stage);
    }

    public PullSummary Summary(string reference, TimeSpan wall, PullFailure? failure) =>
        new(reference, wall, Layers, UpToDate, Digest, failure);

    private static LayerStage? Stage(string status) => status switch
    {
        "Pulling fs layer" or "Waiting" => LayerStage.Waiting,
        "Already exists" => LayerStage.Existing,
        "Downloading" or "Verifying Checksum" => LayerStage.Downloading,
        "Download complete" or "Extracting" or "Pull complete" => LayerStage.Downloaded,
        _ when status.StartsWith("Retrying in", StringComparison.Ordinal) => LayerStage.Downloading,
        _ when status.StartsWith("Layer already being pulled", StringComparison.Ordinal) => LayerStage.Waiting,
        _ => null,
    };

    private static long? Positive(long? n) => n is > 0 ? n : null;
}
