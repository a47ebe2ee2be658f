using System.Globalization;
using System.Text.Json;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;

namespace Tidemark.Cli.State;

/// <summary>What loading found: the ledger to use, whether it can be trusted, and what to tell the operator.</summary>
/// <param name="Readable">False when the file was unreadable: it was moved aside and stage 2 must not act on the fresh one.</param>
public sealed record LedgerLoad(UsageLedger Ledger, bool Readable, string? Warning);

/// <summary>
/// Reads and writes the usage ledger. Writes are atomic (temp file in the same directory, fsync,
/// rename), so a crash leaves the old ledger or the new one, never half of one.
/// </summary>
public static class LedgerStore
{
    public const int FormatVersion = 1;

    public static LedgerLoad Load(string path, DateTimeOffset now)
    {
        if (!File.Exists(path))
        {
            return new LedgerLoad(new UsageLedger(), true, null);
        }

        try
        {
            var doc = JsonSerializer.Deserialize(File.ReadAllBytes(path), LedgerJsonContext.Default.LedgerDocument)
                ?? throw new JsonException("empty document");
            if (doc.Version != FormatVersion)
            {
                throw new JsonException($"format version {doc.Version}, expected {FormatVersion}");
            }

            return new LedgerLoad(ToLedger(doc), true, null);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            var aside = $"{path}.corrupt-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
            var moved = TryMove(path, aside);
            var what = moved ? $"moved aside to {aside}" : "could not be moved aside";
            return new LedgerLoad(new UsageLedger(), false,
                $"usage ledger {path} is unreadable ({Short(e.Message)}); {what}; rebuilding it from now, and stage 2 waits for it");
        }
    }

    /// <returns>An error message, or null when saved.</returns>
    public static string? Save(string path, UsageLedger ledger)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            Directory.CreateDirectory(dir);
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, ToDocument(ledger), LedgerJsonContext.Default.LedgerDocument);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            return $"could not save the usage ledger to {path}: {e.Message}";
        }
    }

    private static UsageLedger ToLedger(LedgerDocument doc)
    {
        var entries = doc.Images.ToDictionary(
            kv => kv.Key,
            kv => new LedgerEntry(
                kv.Value.FirstSeen,
                kv.Value.LastUsed,
                kv.Value.UseCount,
                kv.Value.References ?? [],
                (kv.Value.RecentUses ?? []).Order().ToList(),
                kv.Value.Layers?.Select(l => new LayerFact(l.ChainId, l.Size)).ToList()),
            StringComparer.Ordinal);
        return new UsageLedger(entries, doc.EventsSeenUntil);
    }

    private static LedgerDocument ToDocument(UsageLedger ledger) => new(
        FormatVersion,
        ledger.EventsSeenUntil,
        ledger.Entries.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(
            kv => kv.Key,
            kv => new LedgerImageDocument(
                kv.Value.FirstSeen,
                kv.Value.LastUsed,
                kv.Value.UseCount,
                [.. kv.Value.References],
                [.. kv.Value.RecentUses],
                kv.Value.Layers?.Select(l => new LedgerLayerDocument(l.ChainId, l.Size)).ToList())));

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
            // Best effort: a stale temp file is harmless and replaced next time.
        }
    }

    private static string Short(string message) => message.Length > 120 ? message[..117] + "..." : message;
}
