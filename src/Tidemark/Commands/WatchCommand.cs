using System.CommandLine;
using Tidemark.Cli.Commands.Options;
using Tidemark.Cli.Locking;
using Tidemark.Cli.Output;
using Tidemark.Cli.Pipeline;
using Tidemark.Cli.State;

namespace Tidemark.Cli.Commands;

public static class WatchCommand
{
    public static Command Create(CliConsole console, TimeProvider clock)
    {
        var config = new ConfigOptions();
        var output = new OutputOptions();
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
        command.SetAction(async (result, ct) =>
        {
            var reportOutput = new ReportOutput(console, result.GetValue(output.Json), result.GetValue(output.Verbose));
            var (loaded, endpoint, failure) = Session.Prepare(console, config.Read(result));
            if (failure is not null)
            {
                return reportOutput.Fail(failure);
            }

            var settings = loaded!.Settings;

            var (runLock, lockError, held) = RunLock.TryAcquire(settings.Lock.Path);
            if (runLock is null)
            {
                return reportOutput.Fail(new CommandFailure(held ? ExitCodes.TempFail : ExitCodes.Software, lockError!));
            }

            using (runLock)
            {
                var ledger = LedgerStore.Load(settings.Ledger.Path, clock.GetUtcNow());
                var warnings = ledger.Warning is null ? Array.Empty<string>() : [ledger.Warning];
                var loop = new WatchLoop(console, clock, settings, endpoint!, reportOutput, loaded.Source, result.GetValue(record));
                return await loop.RunAsync(ledger.Ledger, ledger.Readable, warnings, ct);
            }
        });
        return command;
    }
}
