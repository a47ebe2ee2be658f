using System.CommandLine;
using Tidemark.Cli.Commands.Options;
using Tidemark.Cli.Output;
using Tidemark.Cli.Pipeline;
using Tidemark.Cli.Signals;

namespace Tidemark.Cli.Commands;

public static class RunCommand
{
    public static Command Create(CliConsole console, TimeProvider clock, Shutdown shutdown)
    {
        var config = new ConfigOptions();
        var output = new OutputOptions();
        var metrics = new MetricsOptions();
        var dryRun = new Option<bool>("--dry-run", "-n")
        {
            Description = "Decide and report as a run would, but remove nothing",
        };
        var command = new Command("run",
            "Evaluate the gates and, only when all pass, remove what the plan lists (one-shot; for a systemd timer).");
        config.AddTo(command);
        output.AddTo(command);
        command.Options.Add(dryRun);
        metrics.AddTo(command);
        command.SetAction((result, _) => new OneShot(console, clock, shutdown).RunAsync(new OneShotOptions(
            "run",
            Execute: true,
            result.GetValue(dryRun),
            config.Read(result),
            result.GetValue(output.Json),
            result.GetValue(output.Verbose),
            result.GetValue(output.LogFormat),
            metrics.Read(result))));
        return command;
    }
}
