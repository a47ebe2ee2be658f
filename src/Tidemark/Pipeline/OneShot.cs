using Tidemark.Cli.Locking;
using Tidemark.Cli.Output;
using Tidemark.Cli.State;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;

namespace Tidemark.Cli.Pipeline;

public sealed record OneShotOptions(string Command, bool Execute, bool DryRun, string? ConfigPath, bool Json, bool Verbose);

/// <summary>`plan` and `run`: one cycle, with the ledger loaded before and (for a run) saved after.</summary>
public sealed class OneShot(CliConsole console, TimeProvider clock)
{
    public async Task<int> RunAsync(OneShotOptions options, CancellationToken ct)
    {
        var output = new ReportOutput(console, options.Json, options.Verbose);
        var (loaded, endpoint, failure) = Session.Prepare(console, options.ConfigPath);
        if (failure is not null)
        {
            return output.Fail(failure);
        }

        var settings = loaded!.Settings;

        // plan and --dry-run change nothing, the ledger file included; only a run takes the lock.
        var mutates = options.Execute && !options.DryRun;
        RunLock? runLock = null;
        if (mutates)
        {
            var (acquired, lockError, held) = RunLock.TryAcquire(settings.Lock.Path);
            if (acquired is null)
            {
                return output.Fail(new CommandFailure(held ? ExitCodes.TempFail : ExitCodes.Software, lockError!));
            }

            runLock = acquired;
        }

        using (runLock)
        {
            var (client, connectFailure) = await Session.ConnectAsync(endpoint!, ct).ConfigureAwait(false);
            if (connectFailure is not null)
            {
                return output.Fail(connectFailure);
            }

            using (client)
            {
                var ledger = LedgerStore.Load(settings.Ledger.Path, clock.GetUtcNow());
                var warnings = ledger.Warning is null ? new List<string>() : [ledger.Warning];
                var cycle = new Cycle(client!, new Policy(settings), clock);
                var result = await cycle.RunAsync(new CycleOptions(options.Command, options.Execute, options.DryRun, ReplayEvents: true),
                    ledger.Ledger, ledger.Readable, warnings, ct).ConfigureAwait(false);
                if (!result.IsOk)
                {
                    return output.Fail(Session.FromApi(result.Error!));
                }

                var report = result.Value;
                if (mutates && LedgerStore.Save(settings.Ledger.Path, ledger.Ledger) is { } saveError)
                {
                    report = report with { Notes = [.. report.Notes, "warning: " + saveError] };
                }

                output.Write(report, loaded.Source, endpoint!.Display, settings);
                return ExitCodeFor(report.Actions);
            }
        }
    }

    /// <summary>0 whether it pruned or a gate held; a step that failed makes the run fail so systemd shows it.</summary>
    public static int ExitCodeFor(IReadOnlyList<ActionReport> actions)
    {
        var failed = actions.Where(a => a.Status == ActionStatus.Failed).ToList();
        if (failed.Count == 0)
        {
            return ExitCodes.Ok;
        }

        return failed.Any(a => a.Message?.StartsWith(Docker.PlanExecutor.Unreachable, StringComparison.Ordinal) == true)
            ? ExitCodes.Unavailable
            : ExitCodes.Software;
    }
}
