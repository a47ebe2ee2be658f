using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Core.Text;

namespace Tidemark.Cli.Output;

/// <summary>
/// The log lines: one per gate, one per action, one summary. Each line stands alone, for an
/// operator reading journald at 3 a.m.
/// </summary>
public static class HumanReport
{
    public static void Write(TextWriter w, RunReport report, string configSource, string endpoint, bool verbose, Paint paint)
    {
        var d = report.Daemon;
        w.WriteLine(Safe.Line($"tidemark {report.Command}: Docker {d.Version} (API {d.ApiVersion}) at {endpoint}, data root {d.DataRoot}; config: {configSource}"));
        foreach (var g in report.Gates)
        {
            var verdict = g.Passed ? paint.Green("pass ") : paint.Yellow("block");
            w.WriteLine(Safe.Line($"gate {g.Name,-8} {verdict} {g.Reason}"));
        }

        // What explains the plan (targets, what is kept and why) comes before it.
        foreach (var note in report.Notes)
        {
            w.WriteLine(Safe.Line($"{note}"));
        }

        // A plan shows stage 2 as its review of every tagged image; a run shows what it did.
        var planOnly = report.Actions.All(a => a.Status == ActionStatus.Planned);
        foreach (var a in report.Actions)
        {
            if (planOnly && a.Action.Stage == Stage2Planner.Stage)
            {
                continue;
            }

            w.WriteLine(ActionLine(a, paint));
            if (verbose)
            {
                foreach (var item in a.Action.Items)
                {
                    var id = ImageIds.Short(item.Id);
                    var name = item.Name == id ? "" : $" {item.Name}";
                    w.WriteLine(paint.Dim($"    {id}{name}: {ByteSize.Format(item.Bytes)} ({item.Why})").Text);
                }
            }
        }

        if (report.Stage2 is { } stage2 && (planOnly || verbose))
        {
            foreach (var r in stage2.Reviews)
            {
                var word = r.Verdict == Verdict.Remove ? paint.Yellow("remove") : Paint.Plain("keep  ");
                var ago = DurationText.Approximate(Stage2Now(report) - r.LastUsed);
                var use = r.Used ? $"last used {ago} ago" : $"no recorded use, first seen {ago} ago";
                w.WriteLine(Safe.Line($"stage 2 {word} {r.Image.DisplayName} ({use}, unique {ByteSize.Format(r.UniqueBytes)}): {r.Why}"));
            }
        }

        w.WriteLine(Safe.Line($"result: {ReportSummary.For(report)}"));
    }

    private static DateTimeOffset Stage2Now(RunReport report) => report.Stage2?.Now ?? DateTimeOffset.UtcNow;

    private static string ActionLine(ActionReport a, Paint paint)
    {
        var action = a.Action;
        var head = Paint.Plain(Safe.Line($"stage {action.Stage} {ActionKinds.Name(action.Kind),-15}"));
        if (action.Kind == ActionKind.RemoveImage)
        {
            var why = action.Items.Single().Why;
            return a.Status switch
            {
                ActionStatus.Planned => Safe.Line($"{head} would remove {action.Target} ({why}): about {ByteSize.Format(action.EstimatedBytes)}"),
                ActionStatus.Done => Safe.Line($"{head} {paint.Green("removed")} {action.Target} ({why}): about {ByteSize.Format(action.EstimatedBytes)} freed"),
                ActionStatus.Skipped => Safe.Line($"{head} {paint.Yellow("skipped")} {action.Target}: {a.Message}"),
                ActionStatus.Interrupted => Safe.Line($"{head} {paint.Red("interrupted")} {action.Target}: {a.Message}"),
                _ => Safe.Line($"{head} {paint.Red("failed")} {action.Target}: {a.Message}"),
            };
        }

        var what = $"{action.Items.Count} {action.Target}";
        return a.Status switch
        {
            ActionStatus.Planned => Safe.Line($"{head} would remove {what}: about {ByteSize.Format(action.EstimatedBytes)}"),
            ActionStatus.Done => Safe.Line($"{head} {paint.Green("removed")} {Removed(a)} {action.Target}: reclaimed {ByteSize.Format(a.ReclaimedBytes ?? 0)} (estimated {ByteSize.Format(action.EstimatedBytes)}){Suffix(a.Message)}"),
            ActionStatus.Skipped => Safe.Line($"{head} {paint.Yellow("skipped")} {what}: {a.Message}"),
            ActionStatus.Interrupted => Safe.Line($"{head} {paint.Red("interrupted")} {what}: {a.Message}"),
            _ => Safe.Line($"{head} {paint.Red("failed")} {what}: {a.Message}"),
        };
    }

    private static string Removed(ActionReport a) => (a.RemovedCount ?? a.Action.Items.Count).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Suffix(string? message) => string.IsNullOrEmpty(message) ? "" : $"; {message}";
}
