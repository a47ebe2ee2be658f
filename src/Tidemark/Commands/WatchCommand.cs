using System.CommandLine;
using Tidemark.Cli.Commands.Options;
using Tidemark.Cli.Locking;
using Tidemark.Cli.Metrics;
using Tidemark.Cli.Output;
using Tidemark.Cli.Pipeline;
using Tidemark.Cli.Signals;
using Tidemark.Cli.State;

namespace Tidemark.Cli.Commands;

public static class WatchCommand
{
    public static Command Create(CliConsole console, TimeProvider clock, Shutdown shutdown)
    {
        var config = new ConfigOptions();
        var output = new OutputOptions();
        var metricsOptions = new MetricsOptions();
        var command = new Command("watch",
            "Run as a service: keep the usage ledger current from the daemon's events and prune when pressure appears. " +
            "Holds the lock while it runs; stops cleanly on SIGTERM/SIGINT with the ledger saved.");
        var record = new Option<string?>("--record")
        {
            Description = "Also write the host's history as a trace (JSON Lines) to replay with `tidemark simulate` (docs/traces.md)",
            HelpName = "FILE",
        };
        config.AddTo(command);
        output.AddTo(command);
        command.Options.Add(record);
        metricsOptions.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            // Text lines are stamped in watch mode: a long-lived log file has no other clock.
            var log = new LogWriter(console, LogWriter.Resolve(result.GetValue(output.LogFormat), console), result.GetValue(output.Verbose), timestamps: true, clock);
            var reportOutput = new ReportOutput(console, result.GetValue(output.Json), result.GetValue(output.Verbose), log);
            try
            {
                var (loaded, endpoint, failure) = Session.Prepare(console, config.Read(result), shutdown.Token);
                if (failure is not null)
                {
                    return reportOutput.Fail(failure);
                }

                var settings = loaded!.Settings;
                if (result.GetValue(record) is { } recordTo && (recordTo.Length == 0 || recordTo.Any(c => c < 0x20)))
                {
                    return reportOutput.Fail(new CommandFailure(ExitCodes.Usage, "--record needs a file name"));
                }

                var (runLock, lockFailure) = RunLock.TryAcquire(settings.Lock.Path, "watch");
                if (lockFailure is not null)
                {
                    return reportOutput.Fail(lockFailure);
                }

                using (runLock)
                {
                    var ledger = LedgerStore.Load(settings.Ledger.Path, clock.GetUtcNow());
                    if (ledger.Error is not null)
                    {
                        return reportOutput.Fail(new CommandFailure(ExitCodes.IoError, ledger.Error));
                    }

                    var metrics = MetricsSink.For(settings, metricsOptions.Read(result));
                    await using var server = settings.Metrics.Listen.Length == 0 ? null : new MetricsServer(metrics.Metrics);
                    if (server?.Start(MetricsServer.ParseListen(settings.Metrics.Listen, out var unused)!) is { } serveError)
                    {
                        return reportOutput.Fail(new CommandFailure(ExitCodes.Unavailable, serveError));
                    }

                    using var systemd = new Platform.SystemdNotify(console.Environment, clock);
                    var loop = new WatchLoop(console, clock, settings, endpoint!, reportOutput, loaded.Source, result.GetValue(record), systemd, metrics);
                    return reportOutput.Finish(await loop.RunAsync(ledger.Ledger, ledger.Readable, [.. loaded.Warnings, .. ledger.Warnings], shutdown, runLock!.LostReason));
                }
            }
            catch (OperationCanceledException) when (shutdown.Requested)
            {
                // Stopped before watching began (a config that would not finish reading).
                return reportOutput.Fail(new CommandFailure(shutdown.ExitCode, $"interrupted by {shutdown.Reason} before watching began"));
            }
        });
        return command;
    }
}
