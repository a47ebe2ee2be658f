using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;

namespace Tidemark.Core.Planning;

/// <summary>
/// What the policy can say from a snapshot alone, before the usage view is read: the gates,
/// critical pressure, stage 1's plan and the bytes stage 2 must free.
/// </summary>
/// <param name="Critical">Only the idle or converge gate holds and the disk is past the critical watermark.</param>
/// <param name="Stage2Target">Bytes stage 2 must free (after stage 1; to the high watermark under critical pressure); 0 or less: none.</param>
public sealed record Assessment(
    Snapshot Snapshot,
    GateOutcome Gates,
    bool Critical,
    IReadOnlyList<PlannedAction> Stage1,
    IReadOnlyList<string> Stage1Notes,
    long Stage2Target,
    bool Stage2Enabled)
{
    /// <summary>Stage 2 will plan, so the host should gather layer facts first.</summary>
    public bool NeedsLayerFacts => Stage2Enabled && (Gates.AllPassed || Critical) && Stage2Target > 0;
}
