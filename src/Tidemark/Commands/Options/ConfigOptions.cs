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
}
