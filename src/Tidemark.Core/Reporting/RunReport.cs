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
    DiskReading? DiskAfter,
    Stage2Plan? Stage2 = null,
    bool Critical = false,
    Halt? Halt = null,
    DateTimeOffset? TakenAt = null)
{
    public long EstimatedBytes => Actions.Sum(a => a.Action.EstimatedBytes);

    public long ReclaimedBytes => Actions.Sum(a => a.ReclaimedBytes ?? 0);

    /// <summary>What a decision would do, before (or instead of) carrying it out.</summary>
    public static RunReport Planned(string command, bool dryRun, Snapshot snapshot, Decision decision, IReadOnlyList<string> notes) =>
        new(command, decision.Allowed, dryRun, snapshot.Daemon, snapshot.Disk, decision.Gates.Results,
            decision.Actions.Select(ActionReport.Planned).ToList(), notes, null, decision.Stage2, decision.Critical, null, snapshot.TakenAt);

    /// <summary>The measured fall in used bytes on the data root, when it was measured after acting.</summary>
    public long? MeasuredBytes => DiskAfter is { } after ? Disk.UsedBytes - after.UsedBytes : null;
}

/// <param name="InUse">The daemon refused the removal because something uses the image now (409).</param>
public sealed record ActionReport(PlannedAction Action, ActionStatus Status, long? ReclaimedBytes, int? RemovedCount, string? Message, bool InUse = false)
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
    /// <summary>Started, then abandoned when Tidemark was told to stop: the daemon may still finish it.</summary>
    Interrupted,
}

/// <summary>Why a run stopped before the end of its plan; the steps after it were not attempted.</summary>
public sealed record Halt(HaltKind Kind, string Reason);

public enum HaltKind
{
    /// <summary>The idle or converge gate closed mid-run: the expected way to stop, not a fault.</summary>
    GateClosed,
    /// <summary>SIGTERM or SIGINT.</summary>
    Signal,
    /// <summary>The daemon stopped answering, or answered what could not be read.</summary>
    DaemonLost,
    /// <summary>The lock file was removed or replaced: another run may be acting beside this one.</summary>
    LockLost,
}
