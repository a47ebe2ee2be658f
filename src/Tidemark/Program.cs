using System.Runtime.InteropServices;
using Tidemark.Cli;
using Tidemark.Cli.Output;

// SIGINT and SIGTERM both mean "stop cleanly": watch saves its ledger, a run stops between steps.
// The source is never disposed: a second signal may arrive while the process is shutting down.
var cancel = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    cancel.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
return await TidemarkCli.RunAsync(args, CliConsole.FromProcess(), TimeProvider.System, cancel.Token);
