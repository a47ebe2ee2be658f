using System.CommandLine;
using Tidemark.Cli.Output;

namespace Tidemark.Cli.Commands;

public static class VersionCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("version", "Print Tidemark's version and the Engine API versions it speaks.");
        command.SetAction(_ =>
        {
            console.Out.WriteLine($"tidemark {VersionInfo.Text} (Engine API {Docker.Api.ApiVersion.Oldest} to {Docker.Api.ApiVersion.Newest})");
            return ExitCodes.Ok;
        });
        return command;
    }
}
