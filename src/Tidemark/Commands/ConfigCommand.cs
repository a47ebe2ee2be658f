using System.CommandLine;
using Tidemark.Cli.Commands.Config;
using Tidemark.Cli.Output;

namespace Tidemark.Cli.Commands;

public static class ConfigCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("config", "Check the configuration or show the effective one, without a daemon.");
        command.Subcommands.Add(CheckCommand.Create(console));
        command.Subcommands.Add(ShowCommand.Create(console));
        return command;
    }
}
