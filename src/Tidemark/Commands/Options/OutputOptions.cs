using System.CommandLine;

namespace Tidemark.Cli.Commands.Options;

/// <summary>--json and --verbose: one output path for every reporting command.</summary>
public sealed class OutputOptions
{
    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print JSON instead of log lines: one object for plan and run, JSON Lines for watch (docs/json-output.md)",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Also list every object each step removes, and every keep reason of a run (debug lines)",
    };

    public Option<string?> LogFormat { get; } = CreateLogFormat();

    public void AddTo(Command command)
    {
        command.Options.Add(Json);
        command.Options.Add(Verbose);
        command.Options.Add(LogFormat);
    }

    private static Option<string?> CreateLogFormat()
    {
        var option = new Option<string?>("--log-format")
        {
            Description = "How log lines are written: text, journal (syslog priority prefixes; the default when JOURNAL_STREAM is set, as under systemd) or json (one object per line)",
            HelpName = "text|journal|json",
        };
        option.AcceptOnlyFromAmong("text", "journal", "json");
        return option;
    }
}
