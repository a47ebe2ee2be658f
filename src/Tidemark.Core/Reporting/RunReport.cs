using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;
using Tidemark.Core.Planning;

namespace Tidemark.Core.Reporting;

/// <summary>Everything one plan/run decided and did: the single source of the human and JSON output.</summary>
public sealed record RunReport(
    string Command,
    bool Allowed,
    bool DryRun,
    DaemonFacts Daemon,
    DiskReading Disk,
    IReadOnlyList<GateResult> Gates,
    IReadOnlyList<ActionReport> Actions,
    IReadOnlyList<string> Notes,
    DiskReading? DiskAfter)
{
    public long EstimatedBytes => Actions.Sum(a => a.Action.EstimatedBytes);

    public long ReclaimedBytes => Actions.Sum(a => a.ReclaimedBytes ?? 0);
}

public sealed record ActionReport(PlannedAction Action, ActionStatus Status, long? ReclaimedBytes, int? RemovedCount, string? Message)
{
    public static ActionReport Planned(PlannedAction action) => new(action, ActionStatus.Planned, null, null, null);
}

public enum ActionStatus
{
    /// <summary>Shown by plan or --dry-run; nothing was done.</summary>
    Planned,
    Done,
    /// <summary>Not carried out, for an expected reason (a gate closed, a 409 conflict).</summary>
    Skipped,
    Failed,
}
