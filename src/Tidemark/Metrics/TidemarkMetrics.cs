using System.Globalization;
using System.Text;
using Tidemark.Core.Configuration;
using Tidemark.Core.Reporting;

namespace Tidemark.Cli.Metrics;

/// <summary>What the last run or cycle said beyond its report: the ledger, and whether it could be saved.</summary>
public sealed record LedgerFacts(int Images, DateTimeOffset? OldestUse, bool Saved)
{
    public static LedgerFacts Of(Tidemark.Core.Ledger.UsageLedger ledger, bool saved) =>
        new(ledger.Entries.Count, ledger.Entries.Count == 0 ? null : ledger.Entries.Values.Min(e => e.LastUsed), saved);
}

/// <summary>
/// Tidemark's Prometheus metrics: gauges from the last run or cycle, counters across them. One
/// instance lives for a watch; a one-shot run starts from the counters of the previous metrics
/// file, so a textfile collector sees them grow as they should. The exposition text format is
/// small enough to write directly (docs/decisions.md).
/// </summary>
public sealed class TidemarkMetrics(DiskSettings watermarks)
{
    // Every series a dashboard or an alert may name exists from the first exposition, at 0,
    // so rate() and absent() behave before the first removal or failure.
    private readonly Dictionary<string, double> _counters = new(StringComparer.Ordinal)
    {
        ["tidemark_cycles_total{outcome=\"acted\"}"] = 0,
        ["tidemark_cycles_total{outcome=\"nothing-to-do\"}"] = 0,
        ["tidemark_cycles_total{outcome=\"blocked\"}"] = 0,
        ["tidemark_cycles_total{outcome=\"failed\"}"] = 0,
        ["tidemark_cycles_total{outcome=\"interrupted\"}"] = 0,
        ["tidemark_reclaimed_bytes_total{stage=\"1\"}"] = 0,
        ["tidemark_reclaimed_bytes_total{stage=\"2\"}"] = 0,
        ["tidemark_removed_objects_total{stage=\"1\"}"] = 0,
        ["tidemark_removed_objects_total{stage=\"2\"}"] = 0,
        ["tidemark_critical_cycles_total"] = 0,
        ["tidemark_ledger_save_failures_total"] = 0,
    };
    private const string LastSuccess = "tidemark_last_success_timestamp_seconds";
    private readonly object _gate = new();
    private RunReport? _last;
    private LedgerFacts? _ledger;
    private bool _daemonUp;
    private DateTimeOffset? _lastSuccess;

    /// <summary>
    /// Counters (and the last success) carried over from a previous exposition: the last metrics
    /// file. Only series Tidemark writes are read back, and only finite, non-negative values, so a
    /// damaged or foreign file cannot plant a series or make a counter go backwards.
    /// </summary>
    public static TidemarkMetrics ContinuingFrom(string? previous, DiskSettings watermarks)
    {
        var metrics = new TidemarkMetrics(watermarks);
        foreach (var line in (previous ?? "").Split('\n'))
        {
            var space = line.LastIndexOf(' ');
            if (space <= 0 || !double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                || !double.IsFinite(number) || number < 0)
            {
                continue;
            }

            var series = line[..space];
            if (series == LastSuccess && number <= DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            {
                metrics._lastSuccess = DateTimeOffset.FromUnixTimeSeconds((long)number);
            }
            else if (metrics._counters.ContainsKey(series))
            {
                metrics._counters[series] = number;
            }
        }

        return metrics;
    }

    /// <summary>A run or cycle that produced a report.</summary>
    public void Record(RunReport report, LedgerFacts ledger, DateTimeOffset now)
    {
        lock (_gate)
        {
            _last = report;
            _ledger = ledger;
            _daemonUp = report.Halt?.Kind != HaltKind.DaemonLost;
            var outcome = Outcome(report);
            Add($"tidemark_cycles_total{{outcome=\"{outcome}\"}}", 1);
            if (report.Critical)
            {
                Add("tidemark_critical_cycles_total", 1);
            }

            if (!ledger.Saved)
            {
                Add("tidemark_ledger_save_failures_total", 1);
            }

            foreach (var stage in report.Actions.GroupBy(a => a.Action.Stage))
            {
                Add($"tidemark_reclaimed_bytes_total{{stage=\"{stage.Key}\"}}", stage.Sum(a => a.ReclaimedBytes ?? 0));
                Add($"tidemark_removed_objects_total{{stage=\"{stage.Key}\"}}", stage.Sum(a => a.RemovedCount ?? 0));
            }

            if (outcome is not ("failed" or "interrupted"))
            {
                _lastSuccess = now;
            }
        }
    }

    /// <summary>A run or cycle that ended without a report: the daemon unreachable, or an error it returned.</summary>
    public void RecordFailure(bool daemonUp)
    {
        lock (_gate)
        {
            _daemonUp = daemonUp;
            Add("tidemark_cycles_total{outcome=\"failed\"}", 1);
        }
    }

    public string Render()
    {
        lock (_gate)
        {
            var w = new Exposition();
            w.Series("tidemark_watermark_ratio", "gauge", "The configured watermarks (0-1): high (the disk gate), low (stage 2's target), critical",
                [("kind=\"high\"", watermarks.HighWatermarkPercent / 100.0), ("kind=\"low\"", watermarks.LowWatermarkPercent / 100.0),
                 ("kind=\"critical\"", watermarks.Critical / 100.0)]);
            w.Gauge("tidemark_daemon_up", "1 when the last run or cycle could read the Docker daemon", _daemonUp ? 1 : 0);
            if (_last is { } r)
            {
                // The disk as the run left it: a run that fixed the disk must not leave the
                // figures it started from for a day.
                var disk = r.DiskAfter ?? r.Disk;
                var path = $"path=\"{Exposition.Label(disk.Path)}\"";
                w.Gauge("tidemark_disk_used_bytes", "Bytes used on the data root's file system after the last run or cycle, as df counts them", disk.UsedBytes, path);
                w.Gauge("tidemark_disk_size_bytes", "Usable size of the data root's file system (used + available)", disk.UsedBytes + disk.AvailableBytes, path);
                w.Gauge("tidemark_disk_inodes_used", "Inodes used on the data root's file system", disk.UsedInodes, path);
                w.Gauge("tidemark_disk_inodes", "Inodes of the data root's file system", disk.TotalInodes, path);
                w.Gauge("tidemark_disk_used_ratio", "Used share of the data root's file system after the last run or cycle, as the disk gate compares it (0-1)", disk.UsedPercent / 100.0, path);
                w.Series("tidemark_gate_passed", "gauge", "1 when the gate passed in the last run or cycle",
                    r.Gates.Select(g => ($"gate=\"{Exposition.Label(g.Name)}\"", g.Passed ? 1.0 : 0)));
                w.Gauge("tidemark_critical_pressure", "1 when the last run or cycle acted under the critical-pressure rule", r.Critical ? 1 : 0);
                w.Gauge("tidemark_last_estimated_bytes", "Bytes the last plan expected to free", r.EstimatedBytes);
                w.Gauge("tidemark_last_measured_bytes", "Measured fall in used bytes after the last run that removed something", r.MeasuredBytes ?? 0);
            }

            if (_ledger is { } l)
            {
                w.Gauge("tidemark_ledger_images", "Images in the usage ledger", l.Images);
                w.Gauge("tidemark_ledger_oldest_use_timestamp_seconds", "Unix time of the oldest last use in the ledger", l.OldestUse?.ToUnixTimeSeconds() ?? 0);
                w.Gauge("tidemark_ledger_saved", "1 when the last run or cycle saved the usage ledger", l.Saved ? 1 : 0);
            }

            if (_lastSuccess is { } success)
            {
                w.Gauge(LastSuccess, "Unix time of the last run or cycle that completed (acted, had nothing to do, or was held by a gate)", success.ToUnixTimeSeconds());
            }

            foreach (var family in _counters.GroupBy(kv => kv.Key.Split('{')[0]).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                w.Series(family.Key, "counter", Help(family.Key), family.Select(kv => (Labels(kv.Key), kv.Value)));
            }

            return w.ToString();
        }
    }

    private static string Outcome(RunReport report) =>
        report.Halt?.Kind == HaltKind.Signal ? "interrupted"
        : report.Halt?.Kind is HaltKind.DaemonLost or HaltKind.LockLost || report.Actions.Any(a => a.Status == ActionStatus.Failed) ? "failed"
        : !report.Allowed && report.Gates.Any(g => g.Name == "disk" && g.Passed) ? "blocked"
        : report.Actions.Any(a => a.Status == ActionStatus.Done) ? "acted"
        : "nothing-to-do";

    private static string Help(string family) => family switch
    {
        "tidemark_cycles_total" => "Runs and cycles, by outcome: acted; nothing-to-do (below the watermark, or nothing removable); blocked (under pressure, held by a gate); failed; interrupted",
        "tidemark_reclaimed_bytes_total" => "Bytes reclaimed, by stage (the daemon's figure for prunes, the plan's for removals)",
        "tidemark_removed_objects_total" => "Containers, images and build cache records removed, by stage",
        "tidemark_critical_cycles_total" => "Runs and cycles that acted under the critical-pressure rule",
        "tidemark_ledger_save_failures_total" => "Runs and cycles whose usage ledger could not be saved",
        _ => family,
    };

    private static string Labels(string series) => series.Contains('{', StringComparison.Ordinal) ? series[(series.IndexOf('{', StringComparison.Ordinal) + 1)..^1] : "";

    private void Add(string series, double value) => _counters[series] = _counters.GetValueOrDefault(series) + value;

    /// <summary>The text exposition format, version 0.0.4.</summary>
    private sealed class Exposition
    {
        private readonly StringBuilder _text = new();

        public static string Label(string value) =>
            value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

        public void Gauge(string name, string help, double value, string labels = "") => Series(name, "gauge", help, [(labels, value)]);

        public void Series(string name, string type, string help, IEnumerable<(string Labels, double Value)> samples)
        {
            _text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
            foreach (var (labels, value) in samples)
            {
                var series = labels.Length == 0 ? name : $"{name}{{{labels}}}";
                _text.Append(CultureInfo.InvariantCulture, $"{series} {value.ToString("R", CultureInfo.InvariantCulture)}\n");
            }
        }

        public override string ToString() => _text.ToString();
    }
}
