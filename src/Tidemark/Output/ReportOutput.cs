using Tidemark.Cli.Pipeline;
using Tidemark.Core.Configuration;
using Tidemark.Core.Cycles;
using Tidemark.Core.Reporting;

namespace Tidemark.Cli.Output;

/// <summary>
/// The one output path of plan, run and watch. As log lines, a report is written as it happens:
/// its opening before anything is removed, each step as it completes, the summary last, so an
/// operator following journald sees a long run move. With --json the report is one JSON object
/// on stdout (one per cycle in watch, as JSON Lines) and only diagnostics reach stderr.
/// </summary>
public sealed class ReportOutput(CliConsole console, bool json, bool verbose, LogWriter log)
{
    private readonly Paint _paint = new(console.Colour && log.Format == LogFormat.Text);
    private int _notAttempted;
    private string? _notAttemptedWhy;

    public LogWriter Log => log;

    public bool Json => json;

    /// <summary>What was decided, before acting: for plan and --dry-run, the whole plan.</summary>
    public void Planned(RunReport planned, string configSource, string endpoint)
    {
        if (json)
        {
            // The document carries the notes; a warning is also a diagnostic, for stderr.
            foreach (var note in planned.Notes.Where(n => n.StartsWith("warning:", StringComparison.Ordinal)))
            {
                log.Warning(Safe.Line($"{note}"));
            }

            return;
        }

        var execute = planned.Command != "plan" && !planned.DryRun;
        Write(HumanReport.Opening(planned, configSource, endpoint, _paint));
        Write(execute ? HumanReport.Review(planned, verbose, _paint) : HumanReport.Plan(planned, verbose, _paint));
    }

    /// <summary>Progress of slow reading: an info line, never part of the JSON document.</summary>
    public void Progress(string line)
    {
        // With --json stdout holds only the document: progress is a diagnostic then.
        log.Write(LogLevel.Info, Safe.Line($"{line}"), stderr: json);
    }

    /// <summary>One step, as soon as it is done.</summary>
    public void Step(ActionReport step)
    {
        if (json)
        {
            return;
        }

        // After a halt every remaining step is "not attempted" for the same reason: one line for
        // all of them, not hundreds (the JSON document lists each).
        if (step.Status == ActionStatus.Skipped && step.Message?.StartsWith("not attempted:", StringComparison.Ordinal) == true)
        {
            _notAttempted++;
            _notAttemptedWhy ??= step.Message;
            return;
        }

        FlushNotAttempted();
        Write(HumanReport.Step(step, _paint));
    }

    /// <summary>The end of a plan or run: the summary line, or the whole document as JSON.</summary>
    /// <param name="jsonEvent">In watch mode, the "event" field of the document ("cycle").</param>
    public void Finished(RunReport report, string configSource, string endpoint, Settings settings, string? jsonEvent = null)
    {
        if (json)
        {
            var document = new StringWriter();
            JsonReport.Write(document, report, configSource, endpoint, VersionInfo.Text,
                settings.Disk.LowWatermarkPercent, settings.Disk.HighWatermarkPercent, jsonEvent);
            log.Emit(console.Out, document.ToString().TrimEnd('\n'));
            return;
        }

        FlushNotAttempted();
        Write([HumanReport.Closing(report)]);
    }

    /// <summary>A whole report at once (a cycle that was not streamed).</summary>
    public void Write(RunReport report, string configSource, string endpoint, Settings settings, string? jsonEvent = null)
    {
        Planned(report with { Actions = [.. report.Actions.Where(a => a.Status == ActionStatus.Planned)] }, configSource, endpoint);
        foreach (var step in report.Actions.Where(a => a.Status != ActionStatus.Planned))
        {
            Step(step);
        }

        Finished(report, configSource, endpoint, settings, jsonEvent);
    }

    public int Fail(CommandFailure failure)
    {
        log.Error(Safe.Line($"tidemark: {failure.Message}"));
        if (json)
        {
            var document = new StringWriter();
            JsonReport.WriteError(document, failure.ExitCode, failure.Message);
            log.Emit(console.Out, document.ToString().TrimEnd('\n'));
        }

        return failure.ExitCode;
    }

    /// <summary>After the command: 74 when its output could not all be written, else its own code.</summary>
    public int Finish(int exitCode)
    {
        if (log.Broken is not { } why)
        {
            return exitCode;
        }

        // stderr may be the stream that failed: this is best effort.
        log.Emit(console.Error, Safe.Line($"tidemark: could not write all of the output: {why}"));
        return exitCode == ExitCodes.Ok ? ExitCodes.IoError : exitCode;
    }

    private void FlushNotAttempted()
    {
        if (_notAttempted == 0)
        {
            return;
        }

        var steps = _notAttempted == 1 ? "1 step" : $"{_notAttempted} steps";
        log.Warning(Safe.Line($"{steps} skipped, {_notAttemptedWhy}"));
        _notAttempted = 0;
        _notAttemptedWhy = null;
    }

    private void Write(IEnumerable<ReportLine> lines)
    {
        foreach (var line in lines)
        {
            log.Write(line.Level, line.Text);
        }
    }
}

/// <summary>Streams a cycle to a <see cref="ReportOutput"/> as it happens.</summary>
public sealed class ReportObserver(ReportOutput output, string configSource, string endpoint) : ICycleObserver
{
    public void Planned(RunReport planned) => output.Planned(planned, configSource, endpoint);

    public void Step(ActionReport step) => output.Step(step);

    public void Progress(string line) => output.Progress(line);
}
