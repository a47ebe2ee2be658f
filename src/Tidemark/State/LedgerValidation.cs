using System.Text.RegularExpressions;

namespace Tidemark.Cli.State;

/// <summary>
/// Is a parsed ledger file what Tidemark writes? One problem is enough to set the file aside:
/// half-trusting a damaged history could make an image look older than it is.
/// </summary>
public static partial class LedgerValidation
{
    /// <returns>The first problem, naming where it is, or null when the document can be used.</returns>
    public static string? Problem(LedgerDocument? doc)
    {
        if (doc is null)
        {
            return "empty document";
        }

        if (doc.Version != LedgerStore.FormatVersion)
        {
            return $"format version {doc.Version}, expected {LedgerStore.FormatVersion}";
        }

        if (doc.Images is null)
        {
            return "no \"images\" object";
        }

        foreach (var (id, entry) in doc.Images)
        {
            var where = $"images[\"{Shorten(id)}\"]";
            if (!Sha256().IsMatch(id))
            {
                return $"{where}: not an image ID";
            }

            if (entry is null)
            {
                return $"{where} is null";
            }

            if (entry.FirstSeen is null || entry.LastUsed is null)
            {
                return $"{where}: firstSeen and lastUsed are required";
            }

            if (entry.UseCount < 0)
            {
                return $"{where}.useCount is negative";
            }

            if (entry.References is null || entry.References.Any(r => r is null))
            {
                return $"{where}.references is missing or holds null";
            }

            if (entry.RecentUses is null)
            {
                return $"{where}.recentUses is missing";
            }

            if (entry.SwarmTask is { } task && (string.IsNullOrEmpty(task.Service) || task.Reference is null || task.LastSeen is null
                || task.Service.Any(char.IsControl) || task.Reference.Any(char.IsControl)))
            {
                return $"{where}.swarmTask needs service, reference and lastSeen";
            }

            if (entry.Layers is not null && entry.Layers.Any(l => l is null || l.ChainId is null || !Sha256().IsMatch(l.ChainId) || l.Size < 0))
            {
                return $"{where}.layers holds a layer that is not a chain ID with a size";
            }
        }

        foreach (var (name, history) in doc.Repositories ?? [])
        {
            var where = $"repositories[\"{Shorten(name)}\"]";
            if (history is null || history.LastUsed is null || history.RecentUses is null)
            {
                return $"{where}: lastUsed and recentUses are required";
            }

            if (name.Length == 0 || name.Length > 512 || name.Any(char.IsControl))
            {
                return $"{where}: not a repository name";
            }

            if ((history.Latest is null) != (history.LatestSince is null) || (history.Latest is { } latest && !Sha256().IsMatch(latest)))
            {
                return $"{where}: latest must be an image ID given with latestSince";
            }
        }

        return null;
    }

    private static string Shorten(string s) => s.Length > 24 ? s[..24] + "…" : s;

    /// <summary>Image IDs and chain IDs alike.</summary>
    [GeneratedRegex("^sha256:[0-9a-f]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256();
}
