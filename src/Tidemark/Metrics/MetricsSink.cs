using Tidemark.Core.Configuration;
using Tidemark.Core.Ledger;
using Tidemark.Core.Reporting;

namespace Tidemark.Cli.Metrics;

/// <summary>
/// Where a run's or a watch's metrics go: the textfile-collector file when one is configured,
/// and (for watch) what its /metrics page renders. Counters continue from the file's last
/// contents, so a timer's one-shot runs add up.
/// </summary>
public sealed class MetricsSink
{
    private readonly string? _file;

    private MetricsSink(string? file, TidemarkMetrics metrics) => (_file, Metrics) = (file, metrics);

    public TidemarkMetrics Metrics { get; }

    /// <param name="flag">--metrics-file, which wins over [metrics] file.</param>
    public static MetricsSink For(Settings settings, string? flag)
    {
        var file = flag ?? (settings.Metrics.File.Length > 0 ? settings.Metrics.File : null);
        return new MetricsSink(file, TidemarkMetrics.ContinuingFrom(file is null ? null : MetricsFile.Read(file), settings.Disk));
    }

    /// <returns>An error message when the file could not be written, else null.</returns>
    public string? Report(RunReport report, UsageLedger ledger, bool ledgerSaved, DateTimeOffset now)
    {
        Metrics.Record(report, LedgerFacts.Of(ledger, ledgerSaved), now);
        return Flush();
    }

    /// <returns>An error message when the file could not be written, else null.</returns>
    public string? Failed(bool daemonUp)
    {
        Metrics.RecordFailure(daemonUp);
        return Flush();
    }

    private string? Flush() => _file is null ? null : MetricsFile.Write(_file, Metrics.Render());
}
