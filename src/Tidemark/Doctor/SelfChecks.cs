using System.Globalization;
using Tidemark.Cli.Locking;
using Tidemark.Cli.State;
using Tidemark.Core.Configuration;
using static Tidemark.Cli.Doctor.DaemonChecks;

namespace Tidemark.Cli.Doctor;

/// <summary>Tidemark's own state: its config, its usage ledger, its lock and its last run.</summary>
public static class SelfChecks
{
    public const string Area = "tidemark";

    /// <param name="configSource">Where the settings came from ("/etc/tidemark/tidemark.toml", "defaults …").</param>
    /// <param name="configError">The config's error: the other checks then run on the defaults.</param>
    public static IEnumerable<CheckResult> For(Settings settings, string configSource, string? configError, DateTimeOffset now)
    {
        yield return configError is null
            ? CheckResult.Ok(Area, $"config {configSource}: valid", Facts(("config", configSource)))
            : CheckResult.Fail(Area, $"config error: {configError}", "fix the named key (`tidemark config check` says the same); until then every run stops with exit 78");
        yield return Ledger(settings.Ledger.Path, now);
        yield return Lock(settings.Lock.Path);
        yield return LastRun(settings.Metrics.File, now);
    }

    private static CheckResult Ledger(string path, DateTimeOffset now)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return CheckResult.Ok(Area, $"usage ledger {path}: none yet; the first run starts it, and until it has history every image counts as used now",
                Facts(("ledger", path), ("images", 0)));
        }

        var load = LedgerStore.Load(path, now, setAside: false);
        if (load.Error is { } error || !load.Readable)
        {
            return CheckResult.Fail(Area, $"usage ledger {path}: {load.Error ?? "unreadable"}",
                "the next run sets an unusable ledger aside and starts a new one (docs/reliability.md); a directory or a special file there must be removed by hand");
        }

        var entries = load.Ledger.Entries.Values.ToList();
        var oldest = entries.Count == 0 ? (DateTimeOffset?)null : entries.Min(e => e.FirstSeen);
        var reach = oldest is { } o ? $", reaching back to {o.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC ({Ago(now - o)})" : "";
        var warnings = load.Warnings.Count > 0 ? "; " + string.Join("; ", load.Warnings) : "";
        return CheckResult.Ok(Area, $"usage ledger {path}: readable, {entries.Count} images{reach}{warnings}",
            Facts(("ledger", path), ("images", entries.Count), ("since", oldest)));
    }

    private static CheckResult Lock(string path)
    {
        var holder = RunLock.HeldBy(path, out var error);
        if (error is not null)
        {
            return CheckResult.Warn(Area, $"lock {path}: cannot be read by this user: {error}",
                "run the doctor as root or as the user Tidemark runs as; if that user cannot use it either, runs stop with exit 74 or 78 (set [lock] path)");
        }

        return holder is null
            ? CheckResult.Ok(Area, $"lock {path}: free", Facts(("lock", path), ("held", false)))
            : CheckResult.Ok(Area, $"lock {path}: held by another tidemark process{holder} (a run or watch at work)", Facts(("lock", path), ("held", true)));
    }

    /// <summary>The metrics file is the only record of the last run Tidemark keeps (journald has the rest).</summary>
    private static CheckResult LastRun(string metricsFile, DateTimeOffset now)
    {
        if (metricsFile.Length == 0)
        {
            return CheckResult.Ok(Area, "last run: not recorded here without [metrics] file; `journalctl -u tidemark` shows it");
        }

        if (!File.Exists(metricsFile))
        {
            return CheckResult.Ok(Area, $"last run: no metrics file at {metricsFile} yet (no run has finished since it was configured)");
        }

        var written = new DateTimeOffset(File.GetLastWriteTimeUtc(metricsFile), TimeSpan.Zero);
        var values = Metrics.MetricsFile.Read(metricsFile) is { } text ? Parse(text) : [];
        var success = values.TryGetValue("tidemark_last_success_timestamp_seconds", out var s) && s >= 0 && s <= DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            ? DateTimeOffset.FromUnixTimeSeconds((long)s) : (DateTimeOffset?)null;
        var daemonUp = values.TryGetValue("tidemark_daemon_up", out var up) && up == 1;
        var facts = Facts(("metricsFile", metricsFile), ("lastRun", written), ("lastSuccess", success));
        if (success is { } ok && written - ok <= TimeSpan.FromSeconds(5))
        {
            return CheckResult.Ok(Area, $"last run: completed {Ago(now - written)} ({metricsFile})", facts);
        }

        return CheckResult.Warn(Area,
            $"last run: {Ago(now - written)} it did not complete{(daemonUp ? "" : " (it could not read the daemon)")}; last completed: {(success is { } t ? Ago(now - t) : "never")}",
            "`journalctl -u tidemark` has its error line; docs/runbook.md lists what each exit code asks of you", facts);
    }

    private static Dictionary<string, double> Parse(string text)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var space = line.LastIndexOf(' ');
            if (!line.StartsWith('#') && space > 0 && double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                values[line[..space]] = v;
            }
        }

        return values;
    }

    internal static string Ago(TimeSpan t) =>
        t < TimeSpan.FromMinutes(1) ? "just now"
        : t < TimeSpan.FromHours(2) ? $"{(int)t.TotalMinutes} min ago"
        : t < TimeSpan.FromDays(2) ? $"{(int)t.TotalHours} h ago"
        : $"{(int)t.TotalDays} days ago";
}
