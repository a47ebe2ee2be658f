using System.CommandLine;
using Tidemark.Cli.Commands.Simulate;
using Tidemark.Cli.Output;

namespace Tidemark.Cli.Commands;

public static class SimulateCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("simulate",
            "Replay CI-host traces against cache policies — Tidemark's own planner among them — to choose settings and compare re-downloads.");
        command.Subcommands.Add(PresetsCommand.Create(console));
        command.Subcommands.Add(GenerateCommand.Create(console));
        command.Subcommands.Add(RunSimulationCommand.Create(console));
        command.Subcommands.Add(CompareCommand.Create(console));
        command.Subcommands.Add(FromLedgerCommand.Create(console));
        return command;
    }
}
