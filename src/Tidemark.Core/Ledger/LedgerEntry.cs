using Tidemark.Core.Layers;

namespace Tidemark.Core.Ledger;

/// <summary>
/// What Tidemark knows of one image ID's use. The daemon keeps no "last used" time; this is it.
/// </summary>
/// <param name="FirstSeen">When Tidemark first saw the image (UTC).</param>
/// <param name="LastUsed">Last use; an image first seen is "used" then: unknown counts as now, never as old.</param>
/// <param name="UseCount">Containers created from it while Tidemark was watching.</param>
/// <param name="References">Tags and digests the image was known or used by, most recent last.</param>
/// <param name="RecentUses">The most recent use times, oldest first, at most <see cref="UsageLedger.RecentUseLimit"/>.</param>
/// <param name="Layers">Immutable facts of the image ID (chain IDs and sizes), cached so a steady run need not inspect it.</param>
public sealed record LedgerEntry(
    DateTimeOffset FirstSeen,
    DateTimeOffset LastUsed,
    long UseCount,
    IReadOnlyList<string> References,
    IReadOnlyList<DateTimeOffset> RecentUses,
    IReadOnlyList<LayerFact>? Layers)
{
    /// <summary>
    /// <see cref="LastUsed"/> is not a use that was seen but "unknown, so now": a stopped
    /// container from before the ledger's event history holds the image. Said so in the output.
    /// </summary>
    public bool LastUseAssumed { get; init; }

    /// <summary>The swarm service whose task containers on this node last used the image, and when they were last seen.</summary>
    public SwarmTaskUse? SwarmTask { get; init; }
}

/// <summary>A swarm task container on this node ran the image (its com.docker.swarm.service.name label).</summary>
/// <param name="Reference">The image reference the task ran, as the service spec gave it (tag and digest).</param>
public sealed record SwarmTaskUse(string Service, string Reference, DateTimeOffset LastSeen);
