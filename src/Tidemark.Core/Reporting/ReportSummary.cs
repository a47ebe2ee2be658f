using Tidemark.Core.Text;

namespace Tidemark.Core.Reporting;

/// <summary>The last line of every run: what happened, in one sentence an operator can grep for.</summary>
public static class ReportSummary
{
    public static string For(RunReport report)
    {
        if (!report.Allowed)
        {
            var blockers = string.Join(", ", report.Gates.Where(g => !g.Passed).Select(g => g.Name));
            return $"blocked by {blockers}: nothing removed; disk {report.Disk.Path} at {report.Disk.UsedPercent}%";
        }

        if (report.Actions.Count == 0)
        {
            return NothingToRemove(report);
        }

        if (report.DryRun || report.Actions.All(a => a.Status == ActionStatus.Planned))
        {
            var mode = (report.DryRun ? "dry run" : "plan") + (report.Critical ? " under critical pressure" : "");
            var count = Count(report);
            return $"{mode}: would remove {count} {(count == 1 ? "object" : "objects")}, about {ByteSize.Format(report.EstimatedBytes)}; nothing removed";
        }

        var prefix = report.Critical ? "critical pressure, run live: " : "";
        if (report.Halt is { Kind: not HaltKind.GateClosed } halt)
        {
            // What stopped the run comes first: it is why the rest of the line is short.
            prefix = $"{halt.Reason}: {prefix}";
        }

        var failed = report.Actions.Count(a => a.Status == ActionStatus.Failed);
        var skipped = report.Actions.Count(a => a.Status == ActionStatus.Skipped);
        var text = $"{prefix}reclaimed {ByteSize.Format(report.ReclaimedBytes)} (estimated {ByteSize.Format(report.EstimatedBytes)})";
        if (report.DiskAfter is { } after)
        {
            text += $"; disk {after.Path} now at {after.UsedPercent}% (was {report.Disk.UsedPercent}%), used bytes down {ByteSize.Format(report.MeasuredBytes ?? 0)} measured";
        }

        if (skipped > 0)
        {
            text += $"; {skipped} steps skipped";
        }

        if (failed > 0)
        {
            text += $"; {failed} steps failed";
        }

        var interrupted = report.Actions.Count(a => a.Status == ActionStatus.Interrupted);
        if (interrupted > 0)
        {
            text += $"; {interrupted} step abandoned mid-way (the daemon may still finish it)";
        }

        return text;
    }

    private static int Count(RunReport report) => report.Actions.Sum(a => a.Action.Items.Count);

    /// <summary>Allowed to act, with nothing to do: the rule that was acting, and what held everything.</summary>
    private static string NothingToRemove(RunReport report)
    {
        var rule = report.Critical
            ? $"critical pressure (disk at {report.Disk.UsedPercent}%) while {Gates.GateSet.Holding(report.Gates.Where(g => !g.Passed).Select(g => g.Name))}"
            : "gates passed";
        // Stage 2's own account when it ran; why it did not run when it did not (an untrusted
        // ledger); else stage 1 had nothing old enough.
        var why = report.Stage2?.Shortfall
            ?? report.Notes.FirstOrDefault(n => n.StartsWith("stage 2 skipped", StringComparison.Ordinal))
            ?? "nothing is old enough or unused enough to remove";
        return $"{rule}, but nothing can be removed: {why}";
    }
}
