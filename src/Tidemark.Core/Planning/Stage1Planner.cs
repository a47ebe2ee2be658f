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
                    $"{ContainerRecord.Describe(c.State)}, created {Ago(snapshot.TakenAt, c.Created)} ago")).ToList()));
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
        // The containers pruned just before no longer count as users.
        var pruned = prunedContainers.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var candidates = DanglingPruneTakes(snapshot.Images, snapshot.Containers.Where(c => !pruned.Contains(c.Id)), until);
        if (candidates.Count == 0)
        {
            yield break;
        }

        // images/prune takes every old dangling image no container uses; it cannot spare one a
        // service names (by digest, at any replica count) or a protect glob covers. When the
        // set holds such an image, the others are removed one by one instead.
        var shielded = new Dictionary<ImageRecord, string>();
        foreach (var image in candidates)
        {
            if (NeededBy(image, snapshot.Services, protect) is { } reason)
            {
                shielded[image] = reason;
            }
        }

        var removable = candidates.Where(i => !shielded.ContainsKey(i)).ToList();
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

        var (kept, why) = shielded.First();
        var more = shielded.Count > 1 ? $" and {shielded.Count - 1} more" : "";
        foreach (var image in removable)
        {
            yield return new PlannedAction(Stage, ActionKind.RemoveImage,
                $"dangling image {image.DisplayName} (one by one: the prune endpoint would also take {kept.DisplayName}, {why}{more})",
                null,
                image.UniqueSize,
                [Item(image)]);
        }
    }

    /// <summary>
    /// What images/prune with dangling=true and this until cut-off takes from these images: every
    /// untagged image (digest references do not count as tags) with no child image that no
    /// container uses, created before the cut-off.
    /// </summary>
    public static IReadOnlyList<ImageRecord> DanglingPruneTakes(
        IReadOnlyList<ImageRecord> images, IEnumerable<ContainerRecord> containers, DateTimeOffset until)
    {
        var used = containers.Select(c => c.ImageId).ToHashSet(StringComparer.Ordinal);
        var parents = images.Select(i => i.ParentId).Where(p => p.Length > 0).ToHashSet(StringComparer.Ordinal);
        return images.Where(i => i.IsUntagged && !parents.Contains(i.Id) && !used.Contains(i.Id) && i.Created <= until).ToList();
    }

    /// <summary>
    /// Checked against the host as it is just before the prune endpoint is called: why calling it
    /// now would take more than the plan examined (an image that appeared or became dangling
    /// since, or one a service or protect glob needs), or null when it takes only planned images.
    /// </summary>
    public static string? DanglingPruneConflict(
        IReadOnlyList<ImageRecord> images,
        IReadOnlyList<ContainerRecord> containers,
        IReadOnlyList<ServiceRecord> services,
        ProtectList protect,
        DateTimeOffset until,
        IReadOnlySet<string> planned)
    {
        foreach (var image in DanglingPruneTakes(images, containers, until))
        {
            if (NeededBy(image, services, protect) is { } why)
            {
                return $"the prune endpoint would now also take {image.DisplayName}, {why}";
            }

            if (!planned.Contains(image.Id))
            {
                return $"the prune endpoint would now also take {image.DisplayName}, which the plan did not examine";
            }
        }

        return null;
    }

    /// <summary>Why a dangling image must stay though nothing runs it, or null.</summary>
    public static string? NeededBy(ImageRecord image, IReadOnlyList<ServiceRecord> services, ProtectList protect)
    {
        foreach (var service in services)
        {
            if (ImageReference.Names(service.Image, image))
            {
                return service.Naming;
            }
        }

        return protect.Match(image) is { } glob ? $"protected ({glob})" : null;
    }

    private static string Describe(BuildCacheRecord b) =>
        b.Description.Length == 0 ? $"{b.Type} {b.Id}" : $"{b.Type} {Truncate(b.Description, 60)}";

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static string Ago(DateTimeOffset now, DateTimeOffset then) => DurationText.Approximate(now - then);
}
