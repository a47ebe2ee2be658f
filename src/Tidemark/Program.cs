using Tidemark.Cli;
using Tidemark.Cli.Output;
using Tidemark.Cli.Signals;

// SIGINT and SIGTERM both mean "stop cleanly" (Shutdown); a second one ends the process at once.
using var shutdown = Shutdown.ForProcess();
return await TidemarkCli.RunAsync(args, CliConsole.FromProcess(), TimeProvider.System, shutdown);
