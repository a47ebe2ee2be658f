using Tidemark.Core.Configuration;
using Tidemark.Core.Gates;

namespace Tidemark.Cli.Configuration;

/// <summary>A value as written in the file, already of the key's kind.</summary>
public abstract record ConfigValue
{
    public sealed record Integer(long Value) : ConfigValue;
    public sealed record Text(string Value) : ConfigValue;
    public sealed record Flag(bool Value) : ConfigValue;
    public sealed record TextList(IReadOnlyList<string> Values) : ConfigValue;
}

public enum ValueKind
{
    Integer,
    Text,
    Flag,
    TextList,
}

/// <summary>
/// One setting: where it lives, what it holds, how it is checked and applied. The table below is
/// the whole configuration surface; docs/configuration.md documents the same keys.
/// </summary>
/// <param name="Check">Returns an error message, or null when the value is acceptable.</param>
/// <param name="Current">The effective value in TOML, for `config show`.</param>
public sealed record ConfigKey(
    string Section,
    string Key,
    ValueKind Kind,
    Func<ConfigValue, string?> Check,
    Func<Settings, ConfigValue, Settings> Apply,
    Func<Settings, string> Current)
{
    public string Name => $"[{Section}] {Key}";
}

public static class ConfigSchema
{
    public static readonly IReadOnlyList<ConfigKey> Keys =
    [
        new("docker", "host", ValueKind.Text, v => UnixSocket(Str(v)),
            (s, v) => s with { Docker = s.Docker with { Host = Str(v) } },
            s => Quote(s.Docker.Host)),

        new("disk", "path", ValueKind.Text, v => Str(v).Length == 0 ? null : PathCheck(Str(v), names: "a directory on the file system to watch (or empty for the daemon's data root)"),
            (s, v) => s with { Disk = s.Disk with { Path = Str(v) } },
            s => Quote(s.Disk.Path)),
        new("disk", "high_watermark_percent", ValueKind.Integer, v => Percent(v, 1, 100),
            (s, v) => s with { Disk = s.Disk with { HighWatermarkPercent = Int(v) } },
            s => Number(s.Disk.HighWatermarkPercent)),
        new("disk", "low_watermark_percent", ValueKind.Integer, v => Percent(v, 1, 99),
            (s, v) => s with { Disk = s.Disk with { LowWatermarkPercent = Int(v) } },
            s => Number(s.Disk.LowWatermarkPercent)),

        new("disk", "critical_watermark_percent", ValueKind.Integer, v => Percent(v, 1, 100),
            (s, v) => s with { Disk = s.Disk with { CriticalWatermarkPercent = Int(v) } },
            s => Number(s.Disk.Critical)),
        new("disk", "inode_high_watermark_percent", ValueKind.Integer, v => Percent(v, 1, 100),
            (s, v) => s with { Disk = s.Disk with { InodeHighWatermarkPercent = Int(v) } },
            s => Number(s.Disk.InodeHigh)),
        new("disk", "inode_low_watermark_percent", ValueKind.Integer, v => Percent(v, 1, 99),
            (s, v) => s with { Disk = s.Disk with { InodeLowWatermarkPercent = Int(v) } },
            s => Number(s.Disk.InodeLow)),

        new("busy", "stack_patterns", ValueKind.TextList, Regexes,
            (s, v) => s with { Busy = s.Busy with { StackPatterns = List(v) } },
            s => Strings(s.Busy.StackPatterns)),
        new("busy", "service_patterns", ValueKind.TextList, Regexes,
            (s, v) => s with { Busy = s.Busy with { ServicePatterns = List(v) } },
            s => Strings(s.Busy.ServicePatterns)),
        new("busy", "container_patterns", ValueKind.TextList, Regexes,
            (s, v) => s with { Busy = s.Busy with { ContainerPatterns = List(v) } },
            s => Strings(s.Busy.ContainerPatterns)),
        new("busy", "labels", ValueKind.TextList, Labels,
            (s, v) => s with { Busy = s.Busy with { Labels = List(v) } },
            s => Strings(s.Busy.Labels)),

        new("prune", "min_age", ValueKind.Text, v => DurationText.TryParse(Str(v), out _) ? null : "not a duration (use e.g. 90m, 24h, 7d)",
            (s, v) => s with { Prune = s.Prune with { MinAge = Duration(v) } },
            s => Quote(DurationText.Format(s.Prune.MinAge))),
        new("prune", "protect", ValueKind.TextList, v => List(v).Any(string.IsNullOrWhiteSpace) ? "patterns must not be empty" : null,
            (s, v) => s with { Prune = s.Prune with { Protect = List(v) } },
            s => Strings(s.Prune.Protect)),

        new("prune", "critical_min_age", ValueKind.Text, v => DurationText.TryParse(Str(v), out _) ? null : "not a duration (use e.g. 10m)",
            (s, v) => s with { Prune = s.Prune with { CriticalMinAge = Duration(v) } },
            s => Quote(DurationText.Format(s.Prune.CriticalMinAge))),
        new("prune", "eviction_order", ValueKind.Text,
            v => Tidemark.Core.Planning.EvictionOrders.Find(Str(v)) is null
                ? $"unknown order (known: {string.Join(", ", Tidemark.Core.Planning.EvictionOrders.All.Select(o => o.Name))})"
                : null,
            (s, v) => s with { Prune = s.Prune with { EvictionOrder = Str(v) } },
            s => Quote(s.Prune.EvictionOrder)),
        new("prune", "stage2", ValueKind.Flag, _ => null,
            (s, v) => s with { Prune = s.Prune with { Stage2 = ((ConfigValue.Flag)v).Value } },
            s => s.Prune.Stage2 ? "true" : "false"),

        new("ledger", "path", ValueKind.Text, v => PathCheck(Str(v), names: "a file", example: "ledger.json"),
            (s, v) => s with { Ledger = s.Ledger with { Path = Str(v) } },
            s => Quote(s.Ledger.Path)),

        new("watch", "interval", ValueKind.Text, v => DurationText.TryParse(Str(v), out var d) && d >= TimeSpan.FromSeconds(1) ? null : "not a duration of at least 1s (use e.g. 30s, 5m)",
            (s, v) => s with { Watch = s.Watch with { Interval = Duration(v) } },
            s => Quote(DurationText.Format(s.Watch.Interval))),

        new("converge", "max_wait", ValueKind.Text, v => DurationText.TryParse(Str(v), out var d) && d >= TimeSpan.Zero ? null : "not a duration (use e.g. 1h, 30m; 0s waits for ever)",
            (s, v) => s with { Converge = s.Converge with { MaxWait = Duration(v) } },
            s => Quote(DurationText.Format(s.Converge.MaxWait))),
        new("converge", "ignore_services", ValueKind.TextList, Regexes,
            (s, v) => s with { Converge = s.Converge with { IgnoreServices = List(v) } },
            s => Strings(s.Converge.IgnoreServices)),

        new("metrics", "file", ValueKind.Text, v => Str(v).Length == 0 ? null : PathCheck(Str(v), names: "a file", example: "tidemark.prom"),
            (s, v) => s with { Metrics = s.Metrics with { File = Str(v) } },
            s => Quote(s.Metrics.File)),
        new("metrics", "listen", ValueKind.Text,
            v => Str(v).Length == 0 || Tidemark.Cli.Metrics.MetricsServer.ParseListen(Str(v), out _) is not null ? null : "not an address and port such as 127.0.0.1:9477",
            (s, v) => s with { Metrics = s.Metrics with { Listen = Str(v) } },
            s => Quote(s.Metrics.Listen)),

        new("registry", "docker_config", ValueKind.Text, v => Str(v).Length == 0 ? null : PathCheck(Str(v), names: "a Docker config.json or the directory holding it"),
            (s, v) => s with { Registry = s.Registry with { DockerConfig = Str(v) } },
            s => Quote(s.Registry.DockerConfig)),

        new("swarm", "worker_service_memory", ValueKind.Text, v => DurationText.TryParse(Str(v), out var d) && d >= TimeSpan.FromMinutes(1) ? null : "not a duration of at least 1m (use e.g. 7d, 36h)",
            (s, v) => s with { Swarm = s.Swarm with { WorkerServiceMemory = Duration(v) } },
            s => Quote(DurationText.Format(s.Swarm.WorkerServiceMemory))),

        new("lock", "path", ValueKind.Text, v => PathCheck(Str(v), names: "a file", example: "tidemark.lock"),
            (s, v) => s with { Lock = s.Lock with { Path = Str(v) } },
            s => Quote(s.Lock.Path)),
    ];

    /// <summary>Checks that need more than one key; located at the key that makes them fail.</summary>
    public static IEnumerable<(string Section, string Key, string Message)> CrossCheck(Settings s)
    {
        if (s.Disk.LowWatermarkPercent >= s.Disk.HighWatermarkPercent)
        {
            yield return ("disk", "low_watermark_percent",
                $"low watermark {s.Disk.LowWatermarkPercent}% must be below the high watermark {s.Disk.HighWatermarkPercent}%");
        }

        if (s.Disk.CriticalWatermarkPercent is { } critical && critical < s.Disk.HighWatermarkPercent)
        {
            yield return ("disk", "critical_watermark_percent",
                $"critical watermark {critical}% must be at or above the high watermark {s.Disk.HighWatermarkPercent}% (100 turns it off)");
        }

        if (s.Disk.InodeLow >= s.Disk.InodeHigh)
        {
            yield return ("disk", s.Disk.InodeLowWatermarkPercent is null ? "inode_high_watermark_percent" : "inode_low_watermark_percent",
                $"inode low watermark {s.Disk.InodeLow}% must be below the inode high watermark {s.Disk.InodeHigh}%");
        }
    }

    /// <summary>Accepted settings that are probably not what was meant, one line each.</summary>
    public static IReadOnlyList<string> Warnings(Settings s) =>
        s.Prune.Protect.Select(g => Tidemark.Core.Planning.ProtectList.WhyNeverMatches(g))
            .Where(w => w is not null)
            .Select(w => $"[prune] protect: {w}; it protects nothing")
            .ToList()!;

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Number(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Strings(IReadOnlyList<string> items) => "[" + string.Join(", ", items.Select(Quote)) + "]";

    private static string Str(ConfigValue v) => ((ConfigValue.Text)v).Value;

    private static int Int(ConfigValue v) => (int)((ConfigValue.Integer)v).Value;

    private static IReadOnlyList<string> List(ConfigValue v) => ((ConfigValue.TextList)v).Values;

    private static TimeSpan Duration(ConfigValue v)
    {
        DurationText.TryParse(Str(v), out var d);
        return d;
    }

    /// <summary>
    /// Paths are checked when the config is loaded, before anything acts on them: a ledger path of
    /// "/" must not be found out after images were removed, and a NUL must not silently cut a path.
    /// </summary>
    /// <param name="example">For a path that must name a file: a file name to suggest inside a directory.</param>
    private static string? PathCheck(string path, string names, string? example = null)
    {
        if (path.Any(c => c < 0x20 || c == 0x7f))
        {
            return "holds a control character (NUL, newline, …): not a usable path";
        }

        if (!path.StartsWith('/'))
        {
            return $"must be an absolute path naming {names}";
        }

        if (example is not null && (path.EndsWith('/') || Directory.Exists(path)))
        {
            return $"is a directory; it must name {names}, e.g. {System.IO.Path.Combine(path, example)}";
        }

        return null;
    }

    private static string? Percent(ConfigValue v, int min, int max)
    {
        var n = ((ConfigValue.Integer)v).Value;
        return n < min || n > max ? $"must be a whole percentage from {min} to {max}" : null;
    }

    private static string? UnixSocket(string host) =>
        Tidemark.Docker.Api.DockerEndpoint.TryParse(host, out _, out var error) ? null : error;

    private static string? Regexes(ConfigValue v)
    {
        foreach (var p in List(v))
        {
            if (!BusySelector.TryValidatePattern(p, out var error))
            {
                return $"bad regular expression '{p}': {error}";
            }
        }

        return null;
    }

    private static string? Labels(ConfigValue v)
    {
        foreach (var l in List(v))
        {
            if (l.Length == 0 || l.StartsWith('='))
            {
                return $"'{l}' is not a label selector (use key or key=value)";
            }
        }

        return null;
    }
}
