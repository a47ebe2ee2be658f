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

    public MetricsOptions() =>
        File.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } path && (path.Length == 0 || path.Any(c => c < 0x20)))
            {
                result.AddError("--metrics-file needs a file name");
            }
        });

    public void AddTo(Command command) => command.Options.Add(File);

    public string? Read(ParseResult result) => result.GetValue(File);
}
