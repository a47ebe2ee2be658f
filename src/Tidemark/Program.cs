using Tidemark.Cli;
using Tidemark.Cli.Output;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await TidemarkCli.RunAsync(args, CliConsole.FromProcess(), TimeProvider.System, cancel.Token);
