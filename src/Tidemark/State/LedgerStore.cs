using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Tidemark.Cli.Platform;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;

namespace Tidemark.Cli.State;

/// <summary>What loading found: the ledger to use, whether it can be trusted, and what to tell the operator.</summary>
/// <param name="Readable">False when the file could not be used: it was (or, for plan, would be)
/// set aside, and stage 2 must not act on the fresh ledger that replaces it.</param>
/// <param name="Error">The ledger path itself is unusable (a directory, a device): the command stops (exit 74).</param>
public sealed record LedgerLoad(UsageLedger Ledger, bool Readable, IReadOnlyList<string> Warnings, string? Error = null);

/// <summary>
/// Reads and writes the usage ledger. A file that is not what Tidemark writes is set aside whole,
/// never half-trusted; clock steps are clamped. Writes are atomic (a temp file with a random name,
/// created exclusively with mode 0600, fsync, rename), so a crash leaves the old ledger or the
/// new one, and nothing planted in the directory is followed.
/// </summary>
public static class LedgerStore
{
    public const int FormatVersion = 1;

    /// <summary>Far above any real ledger (about 1 KB per image); a bigger file is not one.</summary>
    private const long MaxBytes = 256L << 20;

    /// <summary>Clocks of the same host disagree by this much at most without being a step.</summary>
    private static readonly TimeSpan ClockSlack = TimeSpan.FromMinutes(1);

    private static readonly UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private static readonly UnixFileMode PrivateDirectory = PrivateFile | UnixFileMode.UserExecute;

    /// <param name="setAside">Move an unusable file aside (run, watch); plan and --dry-run only say they would.</param>
    /// <param name="daemonId">The daemon's ID: a ledger written for another daemon is set aside, not applied.</param>
    public static LedgerLoad Load(string path, DateTimeOffset now, bool setAside = true, string? daemonId = null)
    {
        if (Directory.Exists(path))
        {
            return Fail(path, "is a directory; [ledger] path must name a file");
        }

        if (!File.Exists(path))
        {
            return new LedgerLoad(new UsageLedger(), true, []);
        }

        byte[] bytes;
        try
        {
            if (Posix.KindOf(path) != FileKind.Regular)
            {
                return Fail(path, "is not a regular file (a FIFO, socket or device cannot hold the ledger)");
            }

            var info = new FileInfo(path);
            if (info.Length > MaxBytes)
            {
                return Unusable(path, now, setAside, $"{info.Length} bytes, more than a ledger can be");
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(path, $"cannot be read: {e.Message}");
        }

        var parsed = Parse(bytes, now);
        if (parsed.Problem is { } problem)
        {
            return Unusable(path, now, setAside, problem);
        }

        if (OtherDaemon(parsed.Ledger!, daemonId) is { } other)
        {
            return Unusable(path, now, setAside, other);
        }

        var warnings = parsed.Clamped > 0
            ? new[] { $"usage ledger {path} holds {parsed.Clamped} times in the future (the clock was stepped back?); they count as now" }
            : [];
        return new LedgerLoad(parsed.Ledger!, true, warnings);
    }

    /// <summary>
    /// The ledger in a file's bytes, or the first reason they are not one. Times after now (plus a
    /// minute of slack) are clamped to now and counted. Never throws on any input.
    /// </summary>
    public static (UsageLedger? Ledger, int Clamped, string? Problem) Parse(ReadOnlySpan<byte> bytes, DateTimeOffset now)
    {
        LedgerDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(bytes, LedgerJsonContext.Default.LedgerDocument);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return (null, 0, Short(Core.Text.JsonMessages.Describe(e)));
        }

        if (LedgerValidation.Problem(doc) is { } problem)
        {
            return (null, 0, problem);
        }

        var (ledger, clamped) = ToLedger(doc!, now + ClockSlack, now);
        return (ledger, clamped, null);
    }

    /// <returns>An error message, or null when saved.</returns>
    public static string? Save(string path, UsageLedger ledger)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");
        var created = false;
        try
        {
            if (Directory.Exists(path))
            {
                return $"could not save the usage ledger: {path} is a directory";
            }

            if (!Directory.Exists(dir))
            {
                Directory.CreateDirectory(dir, PrivateDirectory);
            }

            var options = new FileStreamOptions
            {
                // CreateNew is O_CREAT|O_EXCL: it never follows a symlink or reuses a file.
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = PrivateFile,
            };
            using (var stream = new FileStream(temp, options))
            {
                created = true;
                File.SetUnixFileMode(stream.SafeFileHandle, PrivateFile);
                JsonSerializer.Serialize(stream, ToDocument(ledger), LedgerJsonContext.Default.LedgerDocument);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (created)
            {
                TryDelete(temp);
            }

            return $"could not save the usage ledger to {path}: {e.Message}";
        }
    }

    /// <summary>Why a ledger is another daemon's history, or null when it is this one's (or says nothing).</summary>
    public static string? OtherDaemon(UsageLedger ledger, string? daemonId) =>
        ledger.DaemonId is { Length: > 0 } written && daemonId is { Length: > 0 } && written != daemonId
            ? $"written for another daemon ({Shorten(written)}; this one is {Shorten(daemonId)}): two daemons must not share a history"
            : null;

    /// <summary>Moves a ledger that no longer applies aside, as an unusable one is; the warning says where.</summary>
    public static string SetAside(string path, DateTimeOffset now, string why) =>
        Unusable(path, now, setAside: true, why).Warnings[0];

    private static string Shorten(string id) => id.Length > 20 ? id[..20] + "…" : id;

    private static LedgerLoad Fail(string path, string why) =>
        new(new UsageLedger(), false, [], $"usage ledger {path} {why}");

    private static LedgerLoad Unusable(string path, DateTimeOffset now, bool setAside, string why)
    {
        var aside = $"{path}.corrupt-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        string what;
        if (!setAside)
        {
            what = $"a run will move it aside to {aside}; this command leaves it in place and treats the history as unknown";
        }
        else
        {
            what = TryMove(path, aside) ? $"moved aside to {aside}; rebuilding it from now, and stage 2 waits for it"
                : "could not be moved aside; rebuilding it from now (it will be overwritten), and stage 2 waits for it";
        }

        return new LedgerLoad(new UsageLedger(), false, [$"usage ledger {path} is unusable ({why}); {what}"]);
    }

    /// <param name="latest">Times after this are a clock step, counted and clamped to <paramref name="now"/>.</param>
    private static (UsageLedger Ledger, int Clamped) ToLedger(LedgerDocument doc, DateTimeOffset latest, DateTimeOffset now)
    {
        var clamped = 0;
        DateTimeOffset Clamp(DateTimeOffset t)
        {
            if (t <= latest)
            {
                return t;
            }

            clamped++;
            return now;
        }

        var entries = doc.Images!.ToDictionary(
            kv => kv.Key,
            kv =>
            {
                var e = kv.Value!;
                return new LedgerEntry(
                    Clamp(e.FirstSeen!.Value),
                    Clamp(e.LastUsed!.Value),
                    e.UseCount,
                    e.References!.Select(r => r!).ToList(),
                    e.RecentUses!.Select(Clamp).Order().ToList(),
                    e.Layers?.Select(l => new LayerFact(l!.ChainId!, l.Size)).ToList())
                {
                    LastUseAssumed = e.LastUseAssumed == true,
                    SwarmTask = e.SwarmTask is { } task ? new SwarmTaskUse(task.Service!, task.Reference!, Clamp(task.LastSeen!.Value)) : null,
                };
            },
            StringComparer.Ordinal);
        var seen = doc.EventsSeenUntil is { } until ? Clamp(until) : (DateTimeOffset?)null;
        var covered = doc.EventsCoveredSince is { } c ? Clamp(c) : (DateTimeOffset?)null;
        // Bounded as the ledger bounds them while running: the most recently used are kept.
        var repositories = (doc.Repositories ?? []).OrderByDescending(kv => kv.Value!.LastUsed!.Value).Take(UsageLedger.RepositoryLimit).ToDictionary(
            kv => kv.Key,
            kv => new RepositoryHistory(
                Clamp(kv.Value!.LastUsed!.Value),
                kv.Value.RecentUses!.Select(Clamp).Order().TakeLast(UsageLedger.RepositoryUseLimit).ToList(),
                kv.Value.Latest,
                kv.Value.LatestSince is { } since ? Clamp(since) : null,
                kv.Value.Coexisting == true),
            StringComparer.Ordinal);
        return (new UsageLedger(entries, seen, repositories) { DaemonId = doc.DaemonId, EventsCoveredSince = covered }, clamped);
    }

    private static LedgerDocument ToDocument(UsageLedger ledger) => new(
        FormatVersion,
        ledger.EventsSeenUntil,
        ledger.Entries.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(
            kv => kv.Key,
            kv => (LedgerImageDocument?)new LedgerImageDocument(
                kv.Value.FirstSeen,
                kv.Value.LastUsed,
                kv.Value.UseCount,
                kv.Value.References.Select(r => (string?)r).ToList(),
                [.. kv.Value.RecentUses],
                kv.Value.Layers?.Select(l => (LedgerLayerDocument?)new LedgerLayerDocument(l.ChainId, l.Size)).ToList(),
                kv.Value.LastUseAssumed ? true : null,
                kv.Value.SwarmTask is { } task ? new LedgerSwarmTaskDocument(task.Service, task.Reference, task.LastSeen) : null)),
        ledger.DaemonId,
        ledger.EventsCoveredSince,
        ledger.Repositories.Count == 0 ? null : ledger.Repositories.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(
            kv => kv.Key,
            kv => (LedgerRepositoryDocument?)new LedgerRepositoryDocument(kv.Value.LastUsed, [.. kv.Value.RecentUses], kv.Value.Latest, kv.Value.LatestSince,
                kv.Value.Coexisting ? true : null)));

    private static bool TryMove(string from, string to)
    {
        try
        {
            File.Move(from, to, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stale temp file is harmless and never reused (names are random).
        }
    }

    private static string Short(string message) => message.Length > 120 ? message[..117] + "..." : message;
}
