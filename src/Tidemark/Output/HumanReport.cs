using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Core.Text;

namespace Tidemark.Cli.Output;

/// <summary>One log line and its priority.</summary>
public readonly record struct ReportLine(LogLevel Level, string Text);

/// <summary>
/// The log lines of a report, each standing alone for an operator reading journald at 3 a.m.:
/// the opening (daemon, gates, and the notes that explain the plan), then the plan or each step
/// as it is carried out, then one summary line. Every value is escaped (<see cref="Safe"/>).
/// </summary>
public static class HumanReport
{
    /// <summary>The whole report at once (plan, tests): opening, plan or steps, summary.</summary>
    public static void Write(TextWriter w, RunReport report, string configSource, string endpoint, bool verbose, Paint paint)
    {
        var planned = report.Actions.All(a => a.Status == ActionStatus.Planned);
        var lines = Opening(report, configSource, endpoint, paint)
            .Concat(planned ? Plan(report, verbose, paint) : Review(report, verbose, paint).Concat(report.Actions.SelectMany(a => Step(a, paint))))
            .Append(Closing(report));
        foreach (var line in lines.Where(l => l.Level != LogLevel.Debug || verbose))
        {
            w.WriteLine(line.Text);
        }
    }

    /// <summary>What the daemon and the gates said, and what explains the plan (targets, what is kept and why).</summary>
    public static IEnumerable<ReportLine> Opening(RunReport report, string configSource, string endpoint, Paint paint)
    {
        var d = report.Daemon;
        yield return Info(Safe.Line($"tidemark {report.Command}: Docker {d.Version} (API {d.ApiVersion}) at {endpoint}, data root {d.DataRoot}; config: {configSource}"));
        foreach (var g in report.Gates)
        {
            var verdict = g.Passed ? paint.Green("pass ") : paint.Yellow("block");
            yield return Info(Safe.Line($"gate {g.Name,-8} {verdict} {g.Reason}"));
        }

        foreach (var note in report.Notes)
        {
            var level = note.StartsWith("warning:", StringComparison.Ordinal) ? LogLevel.Warning
                : note.StartsWith("error:", StringComparison.Ordinal) ? LogLevel.Error
                : LogLevel.Info;
            yield return new ReportLine(level, Safe.Line($"{note}"));
        }
    }

    /// <summary>plan and --dry-run: stage 1's steps, then stage 2's review of every tagged image.</summary>
    public static IEnumerable<ReportLine> Plan(RunReport report, bool verbose, Paint paint)
    {
        foreach (var a in report.Actions.Where(a => a.Action.Stage != Stage2Planner.Stage))
        {
            foreach (var line in Step(a, paint))
            {
                yield return line;
            }
        }

        // A plan exists to explain: every keep reason at info.
        foreach (var line in Reviews(report, LogLevel.Info, paint))
        {
            yield return line;
        }
    }

    /// <summary>A run, before it acts: stage 2's review at debug unless -v (each removal has its own line as it happens).</summary>
    public static IEnumerable<ReportLine> Review(RunReport report, bool verbose, Paint paint) =>
        Reviews(report, verbose ? LogLevel.Info : LogLevel.Debug, paint).Select(l => l with { Level = verbose ? LogLevel.Info : LogLevel.Debug });

    /// <summary>One step: planned, done, skipped, failed or interrupted; its items at debug.</summary>
    public static IEnumerable<ReportLine> Step(ActionReport a, Paint paint)
    {
        var level = a.Status is ActionStatus.Failed or ActionStatus.Interrupted ? LogLevel.Error : LogLevel.Info;
        yield return new ReportLine(level, ActionLine(a, paint));
        foreach (var item in a.Action.Items)
        {
            var id = ImageIds.Short(item.Id);
            var name = item.Name == id ? "" : $" {item.Name}";
            yield return new ReportLine(LogLevel.Debug, paint.Dim($"    {id}{name}: {ByteSize.Format(item.Bytes)} ({item.Why})").Text);
        }
    }

    /// <summary>The last line: the verdict, bytes reclaimed and the disk before and after.</summary>
    public static ReportLine Closing(RunReport report)
    {
        var level = report.Actions.Any(a => a.Status is ActionStatus.Failed or ActionStatus.Interrupted) ? LogLevel.Error
            : report.Halt is { Kind: not HaltKind.GateClosed } ? LogLevel.Warning
            : LogLevel.Info;
        return new ReportLine(level, Safe.Line($"result: {ReportSummary.For(report)}"));
    }

    private static IEnumerable<ReportLine> Reviews(RunReport report, LogLevel keepLevel, Paint paint)
    {
        if (report.Stage2 is not { } stage2)
        {
            yield break;
        }

        foreach (var r in stage2.Reviews)
        {
            var remove = r.Verdict == Verdict.Remove;
            var word = remove ? paint.Yellow("remove") : Paint.Plain("keep  ");
            var ago = DurationText.Approximate(stage2.Now - r.LastUsed);
            var use = r.LastUseAssumed ? "last use unknown: a stopped container from before the ledger's event history holds it"
                : r.Used ? $"last used {ago} ago"
                : $"no recorded use, first seen {ago} ago";
            yield return new ReportLine(remove ? LogLevel.Info : keepLevel,
                Safe.Line($"stage 2 {word} {r.Image.DisplayName} ({use}, unique {ByteSize.Format(r.UniqueBytes)}): {r.Why}"));
        }
    }

    private static ReportLine Info(string text) => new(LogLevel.Info, text);

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
