using System.CommandLine;

namespace Tidemark.Cli.Commands.Options;

/// <summary>--config: shared by every command that reads settings.</summary>
public sealed class ConfigOptions
{
    public Option<string?> Config { get; } = new("--config", "-c")
    {
        Description = "Config file (default: $TIDEMARK_CONFIG, else /etc/tidemark/tidemark.toml; all keys have defaults)",
        HelpName = "FILE",
    };

    public void AddTo(Command command) => command.Options.Add(Config);

    public string? Read(ParseResult result) => result.GetValue(Config);

    /// <summary>--config, else TIDEMARK_CONFIG, else null (the default path), as every command reads it.</summary>
    public string? Resolve(ParseResult result, Output.CliConsole console) =>
        Read(result) ?? (string.IsNullOrWhiteSpace(console.Environment("TIDEMARK_CONFIG")) ? null : console.Environment("TIDEMARK_CONFIG"));
}
