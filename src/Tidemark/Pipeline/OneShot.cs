using Tidemark.Cli.Locking;
using Tidemark.Cli.Metrics;
using Tidemark.Cli.Output;
using Tidemark.Cli.Signals;
using Tidemark.Cli.State;
using Tidemark.Core.Ledger;
using Tidemark.Core.Reporting;
using Tidemark.Docker.Api;

namespace Tidemark.Cli.Pipeline;

/// <param name="MetricsFile">--metrics-file: a run writes its metrics there (over [metrics] file).</param>
public sealed record OneShotOptions(string Command, bool Execute, bool DryRun, string? ConfigPath, bool Json, bool Verbose, string? LogFormat = null,
    string? MetricsFile = null);

/// <summary>`plan` and `run`: one cycle, with the ledger loaded before and (for a run) saved after.</summary>
public sealed class OneShot(CliConsole console, TimeProvider clock, Shutdown shutdown)
{
    public async Task<int> RunAsync(OneShotOptions options)
    {
        var log = new LogWriter(console, LogWriter.Resolve(options.LogFormat, console), options.Verbose, timestamps: false, clock);
        var output = new ReportOutput(console, options.Json, options.Verbose, log);
        // plan and --dry-run change nothing, the ledger file included; only a run takes the lock.
        var mutates = options.Execute && !options.DryRun;
        UsageLedger? toSave = null;
        string? ledgerPath = null;
        try
        {
            var (loaded, endpoint, failure) = Session.Prepare(console, options.ConfigPath, shutdown.Token);
            if (failure is not null)
            {
                return output.Fail(failure);
            }

            var settings = loaded!.Settings;
            RunLock? runLock = null;
            if (mutates)
            {
                (runLock, failure) = RunLock.TryAcquire(settings.Lock.Path);
                if (failure is not null)
                {
                    return output.Fail(failure);
                }
            }

            // Only a run writes metrics: a plan or a dry run is someone looking, not the host's record.
            var metrics = mutates ? MetricsSink.For(settings, options.MetricsFile) : null;
            int Failed(CommandFailure failure, bool daemonUp)
            {
                if (metrics?.Failed(daemonUp) is { } metricsError)
                {
                    log.Error(Safe.Line($"error: {metricsError}"));
                }

                return output.Fail(failure);
            }

            using (runLock)
            {
                var (client, connectFailure) = await Session.ConnectAsync(endpoint!, shutdown.Token).ConfigureAwait(false);
                if (connectFailure is not null)
                {
                    return Failed(connectFailure, daemonUp: false);
                }

                using (client)
                {
                    // Whose history the ledger holds: another daemon's is set aside, not applied.
                    var info = await client!.GetInfoAsync(shutdown.Token).ConfigureAwait(false);
                    if (!info.IsOk)
                    {
                        return Failed(Session.FromApi(info.Error!), !DaemonDown(info.Error!));
                    }

                    var ledger = LedgerStore.Load(settings.Ledger.Path, clock.GetUtcNow(), setAside: mutates, daemonId: info.Value.Id);
                    if (ledger.Error is not null)
                    {
                        return Failed(new CommandFailure(ExitCodes.IoError, ledger.Error), daemonUp: true);
                    }

                    if (mutates)
                    {
                        (toSave, ledgerPath) = (ledger.Ledger, settings.Ledger.Path);
                    }

                    var cycle = new Cycle(client!, new Core.Planning.Policy(settings), clock);
                    var cycleOptions = new CycleOptions(options.Command, options.Execute, options.DryRun, ReplayEvents: true, runLock is null ? null : runLock.LostReason);
                    var observer = new ReportObserver(output, loaded.Source, endpoint!.Display);
                    var result = await cycle.RunAsync(cycleOptions, ledger.Ledger, ledger.Readable, [.. loaded.Warnings, .. ledger.Warnings], shutdown, observer)
                        .ConfigureAwait(false);
                    // A run that lost its lock leaves the ledger to the run that holds it now.
                    var lockLost = result.IsOk && result.Value.Halt?.Kind == HaltKind.LockLost;
                    var saveError = toSave is null || lockLost ? null : LedgerStore.Save(ledgerPath!, toSave);
                    toSave = null;
                    if (!result.IsOk)
                    {
                        return Failed(Session.FromApi(result.Error!), !DaemonDown(result.Error!));
                    }

                    var report = result.Value;
                    var metricsError = metrics?.Report(report, ledger.Ledger, saveError is null, clock.GetUtcNow());
                    foreach (var error in new[] { saveError, metricsError }.OfType<string>())
                    {
                        report = report with { Notes = [.. report.Notes, "error: " + error] };
                        log.Error(Safe.Line($"error: {error}"));
                    }

                    output.Finished(report, loaded.Source, endpoint!.Display, settings);
                    return output.Finish(ExitCodeFor(report, saveError is not null || metricsError is not null));
                }
            }
        }
        catch (OperationCanceledException) when (shutdown.Requested)
        {
            // Told to stop while still reading: nothing was removed. What the replay of events
            // learnt is kept.
            var saveError = toSave is null ? null : LedgerStore.Save(ledgerPath!, toSave);
            var note = saveError is null ? "" : $"; {saveError}";
            return output.Fail(new CommandFailure(shutdown.ExitCode, $"interrupted by {shutdown.Reason} before any removal: nothing removed{note}"));
        }
    }

    private static bool DaemonDown(ApiError error) => error.Kind is ApiErrorKind.Unreachable or ApiErrorKind.Timeout;

    /// <summary>
    /// 0 whether it pruned or a gate held. Otherwise the first that applies: a signal (128 + its
    /// number), a lost lock (75), a daemon that failed or went away (69), a ledger or metrics file
    /// not written (74).
    /// </summary>
    public int ExitCodeFor(RunReport report, bool notSaved)
    {
        if (shutdown.Requested)
        {
            return shutdown.ExitCode;
        }

        if (report.Halt?.Kind == HaltKind.LockLost)
        {
            return ExitCodes.TempFail;
        }

        if (report.Halt?.Kind == HaltKind.DaemonLost || report.Actions.Any(a => a.Status == ActionStatus.Failed))
        {
            return ExitCodes.Unavailable;
        }

        return notSaved ? ExitCodes.IoError : ExitCodes.Ok;
    }
}
