using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;

namespace Tidemark.Core.Planning;

/// <summary>
/// Stage 1: what `docker {container,image,builder} prune --filter until=&lt;min age&gt;` would remove,
/// never with --all: stopped containers, dangling images and build cache older than the minimum
/// age. The estimate mirrors the daemon's own rules so that the plan shows what the prune will do.
/// </summary>
public static class Stage1Planner
{
    public const int Stage = 1;

    public static IReadOnlyList<PlannedAction> Plan(Snapshot snapshot, PruneSettings settings, ProtectList protect) =>
        PlanWithNotes(snapshot, settings, protect).Actions;

    /// <summary>The plan, and one line on what stage 1 deliberately keeps for being too young.</summary>
    public static (IReadOnlyList<PlannedAction> Actions, IReadOnlyList<string> Notes) PlanWithNotes(
        Snapshot snapshot, PruneSettings settings, ProtectList protect)
    {
        var until = snapshot.TakenAt - settings.MinAge;
        var age = DurationText.Format(settings.MinAge);
        var actions = new List<PlannedAction>();

        var prunedContainers = snapshot.Containers
            .Where(c => c.IsStopped && c.Created <= until)
            .ToList();
        if (prunedContainers.Count > 0)
        {
            actions.Add(new PlannedAction(Stage, ActionKind.PruneContainers,
                $"stopped containers created more than {age} ago",
                until,
                prunedContainers.Sum(c => c.SizeRw),
                prunedContainers.Select(c => new PlannedItem(c.Id, c.Name, c.SizeRw,
                    $"{c.State.ToString().ToLowerInvariant()}, created {Ago(snapshot.TakenAt, c.Created)} ago")).ToList()));
        }

        actions.AddRange(PlanDanglingImages(snapshot, until, age, prunedContainers, protect));

        // Without --all the builder keeps records shared with images; so does the estimate.
        var cache = snapshot.BuildCache.Where(b => !b.InUse && !b.Shared && b.LastTouched <= until).ToList();
        if (cache.Count > 0)
        {
            actions.Add(new PlannedAction(Stage, ActionKind.PruneBuildCache,
                $"build cache unused for more than {age}",
                until,
                cache.Sum(b => b.Size),
                cache.Select(b => new PlannedItem(b.Id, Describe(b), b.Size,
                    $"last used {Ago(snapshot.TakenAt, b.LastTouched)} ago")).ToList()));
        }

        return (actions, KeptForAge(snapshot, until, age));
    }

    private static IReadOnlyList<string> KeptForAge(Snapshot snapshot, DateTimeOffset until, string age)
    {
        var parts = new List<string>();
        var containers = snapshot.Containers.Count(c => c.IsStopped && c.Created > until);
        var images = snapshot.Images.Count(i => i.IsUntagged && i.Created > until);
        var cache = snapshot.BuildCache.Count(b => !b.InUse && !b.Shared && b.LastTouched > until);
        if (containers > 0)
        {
            parts.Add(Plural(containers, "stopped container"));
        }

        if (images > 0)
        {
            parts.Add(Plural(images, "dangling image"));
        }

        if (cache > 0)
        {
            parts.Add(Plural(cache, "build cache record"));
        }

        return parts.Count == 0 ? [] : [$"stage 1 keeps {string.Join(", ", parts)} younger than {age} (min_age)"];
    }

    private static string Plural(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    private static IEnumerable<PlannedAction> PlanDanglingImages(
        Snapshot snapshot,
        DateTimeOffset until,
        string age,
        IReadOnlyList<ContainerRecord> prunedContainers,
        ProtectList protect)
    {
        // The daemon prunes only untagged images with no children that no container uses; the
        // containers pruned just before no longer count as users.
        var pruned = prunedContainers.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var used = snapshot.Containers
            .Where(c => !pruned.Contains(c.Id))
            .Select(c => c.ImageId)
            .ToHashSet(StringComparer.Ordinal);
        var parents = snapshot.Images
            .Select(i => i.ParentId)
            .Where(p => p.Length > 0)
            .ToHashSet(StringComparer.Ordinal);

        var candidates = snapshot.Images
            .Where(i => i.IsUntagged && !parents.Contains(i.Id) && !used.Contains(i.Id) && i.Created <= until)
            .ToList();
        if (candidates.Count == 0)
        {
            yield break;
        }

        var shielded = candidates.Where(i => protect.Match(i) is not null).ToHashSet();
        var removable = candidates.Where(i => !shielded.Contains(i)).ToList();
        PlannedItem Item(ImageRecord i) => new(i.Id, i.DisplayName, i.UniqueSize,
            $"dangling, created {Ago(snapshot.TakenAt, i.Created)} ago");

        if (shielded.Count == 0)
        {
            yield return new PlannedAction(Stage, ActionKind.PruneDanglingImages,
                $"dangling images created more than {age} ago",
                until,
                removable.Sum(i => i.UniqueSize),
                removable.Select(Item).ToList());
            yield break;
        }

        // The prune endpoint cannot spare a protected image, so remove the others one by one.
        foreach (var image in removable)
        {
            yield return new PlannedAction(Stage, ActionKind.RemoveImage,
                $"dangling image {image.DisplayName} (one by one: a protect pattern matches another dangling image)",
                null,
                image.UniqueSize,
                [Item(image)]);
        }
    }

    private static string Describe(BuildCacheRecord b) =>
        b.Description.Length == 0 ? $"{b.Type} {b.Id}" : $"{b.Type} {Truncate(b.Description, 60)}";

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static string Ago(DateTimeOffset now, DateTimeOffset then) => DurationText.Approximate(now - then);
}
