using System.CommandLine;
using Tidemark.Cli.Output;
using Tidemark.Simulation;
using Tidemark.Simulation.Bounds;

namespace Tidemark.Cli.Commands.Simulate;

public static class CompareCommand
{
    public static Command Create(CliConsole console)
    {
        var source = new TraceSource();
        var json = new Option<bool>("--json") { Description = "One JSON object with a \"policies\" array" };
        var policies = new Option<string[]>("--policy", "-p")
        {
            Description = "Only these policies (repeatable; default: all). belady and floor are added for the ratios",
            HelpName = "NAME",
            AllowMultipleArgumentsPerToken = true,
        };
        policies.CompletionSources.Add([.. PolicySet.Names]);
        var command = new Command("compare", "Replay one trace against every policy side by side, with ratios to the offline reference (belady), the proven lower bound for the disk, and the compulsory floor.");
        source.AddTo(command);
        command.Options.Add(json);
        command.Options.Add(policies);
        command.SetAction(result => source.Invoke(result, console, simulation =>
        {
            var chosen = result.GetValue(policies) is { Length: > 0 } list
                ? list.Concat(["belady", "floor"]).Distinct().ToList()
                : null;
            if (chosen is not null && TraceSource.UnknownPolicy(chosen, simulation) is { } unknown)
            {
                console.Fail(unknown);
                return ExitCodes.Usage;
            }

            var (results, bound) = BoundedComparison.Run(simulation.Trace, simulation.Disk, chosen, simulation.Settings);
            SimulationOutput.Write(console.Out, results, simulation.Trace.Description, simulation.Disk, result.GetValue(json), bound);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
