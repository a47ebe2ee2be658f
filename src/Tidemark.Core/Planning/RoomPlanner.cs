using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Text;

namespace Tidemark.Core.Planning;

/// <summary>An image a prepare is about to pull, with what its pull needs.</summary>
public sealed record IncomingImage(string Reference, PullEstimate Estimate)
{
    /// <summary>Another prepare pulling it now ("prepare PID 1234"); null for this one's own pulls.</summary>
    public string? PulledBy { get; init; }
}

/// <summary>Everything `tidemark prepare` plans room from.</summary>
/// <param name="Usage">The ledger and layer facts; without a ledger nothing is evicted on a guess.</param>
/// <param name="Incoming">The images to pull and their estimates.</param>
public sealed record RoomInput(Snapshot Snapshot, UsageView Usage, Settings Settings, IReadOnlyList<IncomingImage> Incoming)
{
    /// <summary>Images on the host that must stay whatever else holds them, by ID, with why ("requested").</summary>
    public IReadOnlyDictionary<string, string> Requested { get; init; } = new Dictionary<string, string>();

    /// <summary>The eviction order; null means the configured one.</summary>
    public IEvictionOrder? Order { get; init; }
}

/// <summary>The word on one image on the host: removed to make room, or kept, and why.</summary>
public sealed record RoomReview(ImageRecord Image, bool Removed, long Bytes, string Why);

/// <summary>
/// What prepare removes, in the order it is carried out, and whether that makes room.
/// </summary>
/// <param name="NeededBytes">What the pulls need, other prepares' reservations included.</param>
/// <param name="HardBytes">What must be freed for the pulls to fit at all (need minus available).</param>
/// <param name="SoftBytes">What must be freed for the disk to stay below the high watermark after the pulls.</param>
/// <param name="RoomMade">The removals cover <paramref name="HardBytes"/>; when false, <paramref name="Actions"/> is empty.</param>
/// <param name="Target">One line: what is needed and what will be freed, by the rule.</param>
/// <param name="Shortfall">Why the room cannot be made, when it cannot.</param>
/// <param name="Headroom">Room is made, but the disk will be at or above the high watermark after the pulls: why.</param>
public sealed record RoomPlan(
    DiskReading Disk,
    long NeededBytes,
    long HardBytes,
    long SoftBytes,
    long FreedBytes,
    IReadOnlyList<PlannedAction> Actions,
    IReadOnlyList<RoomReview> Reviews,
    bool RoomMade,
    string Target,
    string? Shortfall,
    string? Headroom)
{
    /// <summary>Use of the disk after the planned removals and the pulls, as df would print it.</summary>
    public int PercentAfter
    {
        get
        {
            var capacity = Disk.UsedBytes + Disk.AvailableBytes;
            var used = Disk.UsedBytes + NeededBytes - FreedBytes;
            return capacity <= 0 || used <= 0 ? 0 : (int)Math.Ceiling(used * 100.0 / capacity);
        }
    }
}

/// <summary>
/// Plans room for pulls a CI job is about to make, under the invariants that hold everywhere:
/// never an image a container (running or stopped) uses, one a service names by tag or digest,
/// one a protect glob matches, one used within <c>[prune] critical_min_age</c> (in flight), or a
/// requested image; only removals by ID (never a prune endpoint), never forced. The live-run
/// (idle, converge) gates do not apply: the invariants alone protect what a live run needs.
/// <para>The rule. Let <c>need</c> be what the pulls need (<see cref="PullEstimator"/>), other
/// prepares' pulls under way included. <b>Room</b>: free at least <c>need − available</c>, so the
/// pulls fit. <b>Headroom</b>: free up to what keeps the disk below the high watermark after the
/// pulls, but only from images the normal cycle could remove too (unused for <c>min_age</c>). So:</para>
/// <list type="number">
/// <item>When the pulls fit below the high watermark, nothing is removed.</item>
/// <item>Else, from images unused for <c>min_age</c> (dangling ones first, then tagged ones least
/// valuable first, by the eviction order and the bytes each removal really frees): up to the
/// high-watermark target. If that covers the room, done (the line says when the disk still ends at
/// or above the high watermark).</item>
/// <item>Else, from images unused for <c>critical_min_age</c>: the room alone, no headroom.</item>
/// <item>Else the room cannot be made: nothing is removed (the pull would fail anyway, and the
/// cache would be lost for nothing), and the shortfall says what holds the rest.</item>
/// </list>
/// It never goes below the high watermark on purpose: reaching the low watermark is the idle
/// cycle's job.
/// </summary>
public static class RoomPlanner
{
    private const string HoldPrefix = "tidemark-prepare-hold:";

    public static RoomPlan Plan(RoomInput input)
    {
        var snapshot = input.Snapshot;
        var disk = snapshot.Disk;
        var settings = input.Settings;
        var need = input.Incoming.Sum(i => i.Estimate.NeededBytes);
        var others = input.Incoming.Where(i => i.PulledBy is not null).ToList();
        var capacity = disk.UsedBytes + disk.AvailableBytes;
        var high = settings.Disk.HighWatermarkPercent;
        var allowed = (long)Math.Floor((high - 1) * (double)capacity / 100.0);
        var hard = Math.Max(0, need - disk.AvailableBytes);
        var soft = Math.Max(hard, disk.UsedBytes + need - allowed);
        var reserved = others.Count > 0
            ? $" ({ByteSize.Format(others.Sum(o => o.Estimate.NeededBytes))} of it for {string.Join(", ", others.Select(o => o.PulledBy).Distinct())} pulling now)"
            : "";
        var needText = $"the pulls need about {ByteSize.Format(need)}{reserved} with {ByteSize.Format(disk.AvailableBytes)} available on {disk.Display} (at {disk.UsedPercent}%)";

        if (soft <= 0)
        {
            var fits = Plan0(input, disk, need, hard, soft, true,
                $"{needText}: they fit and the disk stays below the high watermark {high}% after them: nothing to remove", null, null);
            return fits;
        }

        var target = hard > 0
            ? $"{needText}: free at least {ByteSize.Format(hard)} for them, and up to {ByteSize.Format(soft)} to stay below the high watermark {high}% after them"
            : $"{needText}: they fit, but free up to {ByteSize.Format(soft)} to stay below the high watermark {high}% after them";

        if (input.Usage.Ledger is null)
        {
            return hard > 0
                ? Plan0(input, disk, need, hard, soft, false, target, $"cannot make room: {ByteSize.Format(hard)} more is needed, but the usage ledger could not be read this run: nothing is evicted on a guess; nothing removed", null)
                : Plan0(input, disk, need, hard, soft, true, target, null, "the usage ledger could not be read this run: nothing is evicted on a guess, so the disk will pass the high watermark");
        }

        var minAge = settings.Prune.MinAge > settings.Prune.CriticalMinAge ? settings.Prune.MinAge : settings.Prune.CriticalMinAge;
        var headroom = Select(input, minAge, minAge == settings.Prune.CriticalMinAge ? "critical_min_age" : "min_age", soft,
            $"the high watermark {high}% after the pulls");
        if (headroom.Freed >= hard)
        {
            string? note = null;
            if (headroom.Freed < soft)
            {
                var after = Percent(disk.UsedBytes + need - headroom.Freed, capacity);
                note = $"after the pulls the disk will be at about {after}%, at or above the high watermark {high}%: {ByteSize.Format(soft - headroom.Freed)} more would be needed " +
                    $"to stay below it, and only images unused for {DurationText.Format(minAge)} are taken for that ({HeldBy(headroom.Reviews)})";
            }

            return new RoomPlan(disk, need, hard, soft, headroom.Freed, headroom.Actions, headroom.Reviews, true, target, null, note);
        }

        var room = Select(input, settings.Prune.CriticalMinAge, "critical_min_age", hard, "room for the pulls");
        if (room.Freed >= hard)
        {
            var after = Percent(disk.UsedBytes + need - room.Freed, capacity);
            var note = $"images unused for {DurationText.Format(minAge)} free too little ({ByteSize.Format(headroom.Freed)}): the room comes from images unused for critical_min_age {DurationText.Format(settings.Prune.CriticalMinAge)}, " +
                $"and no more than it; after the pulls the disk will be at about {after}%";
            return new RoomPlan(disk, need, hard, soft, room.Freed, room.Actions, room.Reviews, true, target, null, note);
        }

        var kept = room.Reviews
            .Select(r => r.Removed ? r with { Removed = false, Bytes = 0, Why = $"keep: it could go ({r.Why["remove: ".Length..]}), but the room cannot be made, so nothing is removed" } : r)
            .ToList();
        var shortfall = $"cannot make room: {ByteSize.Format(hard)} more is needed than is available, and every image that may go would free only {ByteSize.Format(room.Freed)} " +
            $"({ByteSize.Format(hard - room.Freed)} short); {HeldBy(room.Reviews)}; nothing removed";
        return new RoomPlan(disk, need, hard, soft, 0, [], kept, false, target, shortfall, null);
    }

    private static RoomPlan Plan0(RoomInput input, DiskReading disk, long need, long hard, long soft, bool made, string target, string? shortfall, string? headroom)
    {
        // Nothing is removed: every image is kept, the requested ones said so.
        var reviews = input.Snapshot.Images
            .Select(i => new RoomReview(i, false, 0, input.Requested.TryGetValue(i.Id, out var why) ? "keep: " + why : "keep: no room needed from it"))
            .Where(r => r.Why != "keep: no room needed from it")
            .ToList();
        return new RoomPlan(disk, need, hard, soft, 0, [], reviews, made, target, shortfall, headroom);
    }

    private sealed record Selection(long Freed, IReadOnlyList<PlannedAction> Actions, IReadOnlyList<RoomReview> Reviews);

    /// <summary>Dangling images first, oldest use first; then stage 2 over the tagged ones, until <paramref name="target"/> is freed.</summary>
    private static Selection Select(RoomInput input, TimeSpan minAge, string minAgeName, long target, string targetName)
    {
        var snapshot = input.Snapshot;
        var ledger = input.Usage.Ledger!;
        var now = snapshot.TakenAt;
        var protect = new ProtectList(input.Settings.Prune.Protect);
        var order = input.Order ?? EvictionOrders.Find(input.Settings.Prune.EvictionOrder) ?? PredictedReuse.Instance;

        // The images being pulled, as far as their layers are here: held like images in use, so
        // no removal counts on freeing a layer the pull is about to reuse.
        var images = snapshot.Images.ToList();
        var layers = new Dictionary<string, IReadOnlyList<LayerFact>>(input.Usage.Layers, StringComparer.Ordinal);
        var holds = new List<ContainerRecord>();
        for (var n = 0; n < input.Incoming.Count; n++)
        {
            var incoming = input.Incoming[n];
            if (incoming.Estimate.LayersHere.Count == 0)
            {
                continue;
            }

            var id = $"{HoldPrefix}incoming-{n}";
            images.Add(new ImageRecord(id, "", [$"{HoldPrefix}{n}:incoming"], [], now, incoming.Estimate.LayersHere.Sum(l => l.Size), -1));
            layers[id] = incoming.Estimate.LayersHere;
            holds.Add(Hold(id, now));
        }

        foreach (var id in input.Requested.Keys)
        {
            holds.Add(Hold(id, now));
        }

        var containers = snapshot.Containers.Concat(holds).ToList();

        // Dangling images: what stage 1 would prune, here removed one by one by ID.
        var graph = LayerGraph.Build(images, layers);
        var users = snapshot.Containers.GroupBy(c => c.ImageId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var danglingReasons = new Dictionary<int, string>();
        var danglingCandidates = new List<int>();
        for (var i = 0; i < snapshot.Images.Count; i++)
        {
            var image = images[i];
            if (!image.IsUntagged)
            {
                continue;
            }

            var lastUsed = ledger.LastUsed(image.Id, now);
            if (input.Requested.TryGetValue(image.Id, out var requested))
            {
                danglingReasons[i] = "keep: " + requested;
            }
            else if (users.TryGetValue(image.Id, out var user))
            {
                danglingReasons[i] = user.IsLive
                    ? $"keep: in use by container {user.Name} ({user.State.ToString().ToLowerInvariant()})"
                    : $"keep: held by stopped container {user.Name} ({ContainerRecord.Describe(user.State)})";
            }
            else if (snapshot.Services.FirstOrDefault(s => ImageReference.Names(s.Image, image)) is { } service)
            {
                danglingReasons[i] = $"keep: {service.Naming}";
            }
            else if (protect.Match(image) is { } glob)
            {
                danglingReasons[i] = $"keep: protected ({glob})";
            }
            else if (now - lastUsed < minAge)
            {
                danglingReasons[i] = ledger.Find(image.Id)?.LastUseAssumed == true || ledger.Find(image.Id) is null
                    ? $"keep: its last use is unknown, so it counts as used now ({minAgeName} {DurationText.Format(minAge)})"
                    : $"keep: used {DurationText.Approximate(now - lastUsed)} ago, younger than {minAgeName} {DurationText.Format(minAge)}";
            }
            else if (!graph.HasFacts(i))
            {
                danglingReasons[i] = "keep: its layers could not be read";
            }
            else
            {
                danglingCandidates.Add(i);
            }
        }

        danglingCandidates.Sort((a, b) =>
        {
            var c = ledger.LastUsed(images[a].Id, now).CompareTo(ledger.LastUsed(images[b].Id, now));
            c = c != 0 ? c : images[a].Created.CompareTo(images[b].Created);
            return c != 0 ? c : string.CompareOrdinal(images[a].Id, images[b].Id);
        });
        long freed = 0;
        var removedDangling = new List<(int Image, long Bytes)>();
        for (var progress = true; progress && freed < target;)
        {
            progress = false;
            foreach (var i in danglingCandidates)
            {
                if (freed >= target)
                {
                    break;
                }

                if (graph.IsRemoved(i) || graph.ChildCount(i) > 0 || graph.Marginal(i) == 0)
                {
                    continue;
                }

                var bytes = graph.Remove(i, out _, out _);
                freed += bytes;
                removedDangling.Add((i, bytes));
                progress = true;
            }
        }

        var actions = new List<PlannedAction>();
        var reviews = new List<RoomReview>();
        foreach (var (i, bytes) in removedDangling)
        {
            var image = images[i];
            var why = $"dangling (no tag), no container uses it, {LastUse(ledger, image, now)}";
            actions.Add(new PlannedAction(1, ActionKind.RemoveImage, image.DisplayName, null, bytes, [new PlannedItem(image.Id, image.DisplayName, bytes, why)]));
            reviews.Add(new RoomReview(image, true, bytes, $"remove: {why}, frees {ByteSize.Format(bytes)}"));
        }

        var removedIds = removedDangling.Select(r => images[r.Image].Id).ToHashSet(StringComparer.Ordinal);
        foreach (var i in danglingCandidates.Where(i => !removedIds.Contains(images[i].Id)))
        {
            var why = graph.ChildCount(i) > 0 ? "keep: other images are built on it"
                : graph.Marginal(i) == 0 ? "keep: frees nothing, its layers are shared with images that stay"
                : "keep: the target is met before it";
            reviews.Add(new RoomReview(images[i], false, 0, why));
        }

        reviews.AddRange(danglingReasons.OrderBy(kv => kv.Key).Select(kv => new RoomReview(images[kv.Key], false, 0, kv.Value)));

        // Then tagged images: stage 2's planner, over the host as the dangling removals leave it.
        var stage2Enabled = input.Settings.Prune.Stage2;
        var stage2 = Stage2Planner.Plan(new Stage2Input(
            now,
            images.Where(i => !removedIds.Contains(i.Id)).ToList(),
            containers,
            snapshot.Services,
            layers,
            ledger,
            order,
            protect,
            minAge,
            stage2Enabled ? Math.Max(0, target - freed) : 0)
        {
            MinAgeName = minAgeName,
            TargetName = targetName,
        });
        actions.AddRange(stage2.Actions);
        freed += stage2.FreedBytes;
        foreach (var review in stage2.Reviews)
        {
            if (review.Image.Id.StartsWith(HoldPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var why = input.Requested.TryGetValue(review.Image.Id, out var requested) ? "keep: " + requested
                : !stage2Enabled && review.Verdict == Verdict.TargetMet ? "keep: [prune] stage2 is off, so tagged images are never evicted"
                : review.Why;
            reviews.Add(new RoomReview(review.Image, review.Verdict == Verdict.Remove, review.FreedBytes, why));
        }

        return new Selection(freed, actions, reviews);
    }

    private static ContainerRecord Hold(string imageId, DateTimeOffset now) =>
        new(HoldPrefix + imageId, "(prepare)", imageId, imageId, ContainerState.Created, now, new Dictionary<string, string>(), 0);

    private static string LastUse(UsageLedger ledger, ImageRecord image, DateTimeOffset now)
    {
        var entry = ledger.Find(image.Id);
        var ago = DurationText.Approximate(now - ledger.LastUsed(image.Id, now));
        return entry is { UseCount: 0 } e && e.LastUsed <= e.FirstSeen ? $"no recorded use since first seen {ago} ago" : $"last used {ago} ago";
    }

    /// <summary>"the rest is held by: 2 in use by containers, 1 requested, …", from the keep lines.</summary>
    private static string HeldBy(IReadOnlyList<RoomReview> reviews)
    {
        var held = reviews.Where(r => !r.Removed)
            .Select(r => Reason(r.Why))
            .Where(r => r is not null)
            .GroupBy(r => r!)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} {g.Key}")
            .ToList();
        return held.Count > 0 ? "the rest is held by: " + string.Join(", ", held) : "no other image is left";
    }

    private static string? Reason(string why) => why switch
    {
        _ when why.StartsWith("keep: in use by container", StringComparison.Ordinal) => "in use by containers",
        _ when why.StartsWith("keep: held by stopped container", StringComparison.Ordinal) => "held by stopped containers",
        _ when why.StartsWith("keep: named by service", StringComparison.Ordinal) => "named by services",
        _ when why.StartsWith("keep: protected", StringComparison.Ordinal) => "protected",
        _ when why.StartsWith("keep: requested", StringComparison.Ordinal) => "requested",
        _ when why.StartsWith("keep: used ", StringComparison.Ordinal) || why.StartsWith("keep: its last use is unknown", StringComparison.Ordinal) => "used too recently",
        _ when why.StartsWith("keep: other images are built on it", StringComparison.Ordinal) => "with child images",
        _ when why.StartsWith("keep: frees nothing", StringComparison.Ordinal) => "freeing nothing on their own",
        _ when why.StartsWith("keep: its layers could not be read", StringComparison.Ordinal) => "with unreadable layers",
        _ when why.StartsWith("keep: [prune] stage2 is off", StringComparison.Ordinal) => "tagged, with stage 2 off",
        _ => null,
    };

    private static int Percent(long used, long capacity) => capacity <= 0 || used <= 0 ? 0 : (int)Math.Ceiling(used * 100.0 / capacity);
}
