using System.CommandLine;
using Tidemark.Cli.Output;
using Tidemark.Simulation;

namespace Tidemark.Cli.Commands.Simulate;

public static class RunSimulationCommand
{
    public static Command Create(CliConsole console)
    {
        var source = new TraceSource();
        var policy = new Option<string>("--policy", "-p")
        {
            Description = $"Policy to replay ({string.Join(", ", PolicySet.Names)}); tidemark-timer and tidemark-watch also as NAME:ORDER ({string.Join(", ", PolicySet.Orders.Select(o => o.Name))})",
            Required = true,
            HelpName = "NAME",
        };
        policy.CompletionSources.Add([.. PolicySet.Names]);
        var json = new Option<bool>("--json") { Description = "One JSON object with a \"policies\" array" };
        var command = new Command("run", "Replay a trace against one policy on a simulated image store with a disk budget.");
        source.AddTo(command);
        command.Options.Add(policy);
        command.Options.Add(json);
        command.SetAction(result => source.Invoke(result, console, simulation =>
        {
            var name = result.GetValue(policy)!;
            if (TraceSource.UnknownPolicy([name], simulation) is { } unknown)
            {
                console.Fail(unknown);
                return ExitCodes.Usage;
            }

            var outcome = PolicySet.Run(name, simulation.Trace, simulation.Disk, simulation.Settings);
            SimulationOutput.Write(console.Out, [outcome], simulation.Trace.Description, simulation.Disk, result.GetValue(json));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
