using System.CommandLine;
using Tidemark.Cli.Output;
using Tidemark.Core.Simulation;

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
        var json = new Option<bool>("--json") { Description = "One JSON object with a \"policies\" array" };
        var command = new Command("run", "Replay a trace against one policy on a simulated image store with a disk budget.");
        source.AddTo(command);
        command.Options.Add(policy);
        command.Options.Add(json);
        command.SetAction(result =>
        {
            var (simulation, failure) = source.Read(result, console);
            if (failure is not null)
            {
                console.Fail(failure.Message);
                return failure.ExitCode;
            }

            var (trace, disk, settings) = simulation!;

            var name = result.GetValue(policy)!;
            if (PolicySet.Create(name, trace, settings) is null)
            {
                console.Fail($"unknown policy '{name}' (known: {string.Join(", ", PolicySet.Names)}; tidemark-timer and tidemark-watch also as NAME:ORDER with ORDER one of {string.Join(", ", PolicySet.Orders.Select(o => o.Name))})");
                return ExitCodes.Usage;
            }

            var outcome = PolicySet.Run(name, trace, disk, settings);
            SimulationOutput.Write(console.Out, [outcome], trace.Description, disk, result.GetValue(json));
            return ExitCodes.Ok;
        });
        return command;
    }
}
