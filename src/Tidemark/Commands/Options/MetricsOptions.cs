using System.CommandLine;

namespace Tidemark.Cli.Commands.Options;

/// <summary>--metrics-file: for the commands that act (run, watch).</summary>
public sealed class MetricsOptions
{
    public Option<string?> File { get; } = new("--metrics-file")
    {
        Description = "After each run or cycle, write Prometheus metrics to this file, atomically (node_exporter's textfile collector); overrides [metrics] file",
        HelpName = "PATH",
    };

    public void AddTo(Command command) => command.Options.Add(File);

    public string? Read(ParseResult result) => result.GetValue(File);
}
