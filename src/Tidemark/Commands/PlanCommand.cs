using System.CommandLine;
using Tidemark.Cli.Commands.Options;
using Tidemark.Cli.Output;
using Tidemark.Cli.Pipeline;
using Tidemark.Cli.Signals;

namespace Tidemark.Cli.Commands;

public static class PlanCommand
{
    public static Command Create(CliConsole console, TimeProvider clock, Shutdown shutdown)
    {
        var config = new ConfigOptions();
        var output = new OutputOptions();
        var command = new Command("plan",
            "Evaluate the gates and show what a run would remove, with estimated bytes. Changes nothing.");
        config.AddTo(command);
        output.AddTo(command);
        command.SetAction((result, _) => new OneShot(console, clock, shutdown).RunAsync(new OneShotOptions(
            "plan",
            Execute: false,
            DryRun: false,
            config.Read(result),
            result.GetValue(output.Json),
            result.GetValue(output.Verbose),
            result.GetValue(output.LogFormat))));
        return command;
    }
}
