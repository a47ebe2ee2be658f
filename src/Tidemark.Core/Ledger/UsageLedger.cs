using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;

namespace Tidemark.Core.Ledger;

/// <summary>
/// The usage ledger: per image ID, first seen, last used, use count, recent use times and cached
/// layer facts. Fed by events and snapshots; read by the planner. Persisting it is the host's job.
/// </summary>
public sealed class UsageLedger
{
    public const int RecentUseLimit = 16;
    private const int ReferenceLimit = 8;

    public const int RepositoryUseLimit = 64;
    public const int RepositoryLimit = 4096;

    private readonly Dictionary<string, LedgerEntry> _entries;
    private readonly Dictionary<string, RepositoryHistory> _repositories;

    // Image records already folded in by Observe, whose entry nothing has changed since: a store
    // that has not changed hands the same records to every cycle (the simulator's watch runs a
    // cycle after every pull), and looking each image up again was most of a simulated cycle.
    // A daemon's snapshots are new records every time, so on a host nothing is skipped.
    private readonly HashSet<ImageRecord> _folded = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, ImageRecord> _foldedById = new(StringComparer.Ordinal);

    public UsageLedger()
        : this(new Dictionary<string, LedgerEntry>(StringComparer.Ordinal), null)
    {
    }

    public UsageLedger(IDictionary<string, LedgerEntry> entries, DateTimeOffset? eventsSeenUntil,
        IDictionary<string, RepositoryHistory>? repositories = null)
    {
        _entries = new Dictionary<string, LedgerEntry>(entries, StringComparer.Ordinal);
        _repositories = new Dictionary<string, RepositoryHistory>(repositories ?? new Dictionary<string, RepositoryHistory>(), StringComparer.Ordinal);
        EventsSeenUntil = eventsSeenUntil;
    }

    /// <summary>
    /// Use history per repository, kept when images go: a new version of a repository inherits
    /// how often and how regularly its predecessors were used.
    /// </summary>
    public IReadOnlyDictionary<string, RepositoryHistory> Repositories => _repositories;

    /// <summary>
    /// True when every repository the image is tagged in has since been used as another image: a
    /// newer version took its place, and an old version is rarely used again. A tag is not a
    /// version: once a repository's older image is used again after a newer one (postgres:15
    /// beside postgres:16, or a rollback), its images are lines of their own and none is
    /// superseded by another.
    /// </summary>
    public bool IsSuperseded(ImageRecord image)
    {
        var last = _entries.TryGetValue(image.Id, out var entry) ? entry.LastUsed : (DateTimeOffset?)null;
        var any = false;
        foreach (var tag in image.RepoTags)
        {
            var repository = ImageReference.Repository(tag);
            if (!_repositories.TryGetValue(repository, out var history) || history.Coexisting || history.Latest is null || history.Latest == image.Id
                || (last is { } l && history.LatestSince <= l))
            {
                return false;
            }

            any = true;
        }

        return any;
    }

    /// <summary>Uses of the image and of every repository it is tagged in, oldest first.</summary>
    public IReadOnlyList<DateTimeOffset> UsesWithRepositories(ImageRecord image)
    {
        IReadOnlyList<DateTimeOffset> own = _entries.TryGetValue(image.Id, out var entry) ? entry.RecentUses : [];
        List<DateTimeOffset>? uses = null;
        foreach (var tag in image.RepoTags)
        {
            if (_repositories.TryGetValue(ImageReference.Repository(tag), out var history) && history.RecentUses.Count > 0)
            {
                uses ??= new List<DateTimeOffset>(own.Count + history.RecentUses.Count);
                uses.AddRange(history.RecentUses);
            }
        }

        if (uses is null)
        {
            return own;
        }

        // The image's own uses are also its repository's: count each once.
        uses.AddRange(own);
        uses.Sort();
        var distinct = 0;
        for (var i = 0; i < uses.Count; i++)
        {
            if (i == 0 || uses[i] != uses[distinct - 1])
            {
                uses[distinct++] = uses[i];
            }
        }

        uses.RemoveRange(distinct, uses.Count - distinct);
        return uses;
    }

    /// <summary>The daemon whose history this is (its `GET /info` ID); null until a snapshot says.</summary>
    public string? DaemonId { get; set; }

    /// <summary>
    /// The swarm services whose tasks ran here within <paramref name="memory"/>, as service
    /// records a worker's snapshot lacks: a worker cannot read service specs (`/services`
    /// answers 503), and cannot tell a service scaled to 0 from one that is gone. Unknown is
    /// treated as needed, for that long.
    /// </summary>
    public IEnumerable<ServiceRecord> RememberedServices(DateTimeOffset now, TimeSpan memory)
    {
        var seen = new HashSet<(string, string)>();
        foreach (var (id, entry) in _entries)
        {
            if (entry.SwarmTask is not { } task || now - task.LastSeen > memory || !seen.Add((task.Service, task.Reference)))
            {
                continue;
            }

            var ago = Configuration.DurationText.Format(TimeSpan.FromMinutes(Math.Max(1, Math.Round((now - task.LastSeen).TotalMinutes))));
            yield return new ServiceRecord($"remembered:{task.Service}", task.Service, task.Reference, new Dictionary<string, string>(),
                ServiceMode.Replicated, 0, 0, 0, null)
            {
                RememberedBecause = $"its task ran here {ago} ago; a worker cannot read service specs, so it is kept for [swarm] worker_service_memory = {Configuration.DurationText.Format(memory)} after its last task",
            };
        }
    }

    /// <summary>Drops the entries of images the daemon no longer holds (after a run removed some).</summary>
    public void Retain(IReadOnlySet<string> present)
    {
        foreach (var gone in _entries.Keys.Where(id => !present.Contains(id)).ToList())
        {
            Forget(gone);
        }
    }

    /// <summary>
    /// Every daemon event since this time has been applied, without a gap: the daemon keeps only
    /// its last 256 events, so a replay that returns that many restarts it. Before it, what a
    /// stopped container did is unknown.
    /// </summary>
    public DateTimeOffset? EventsCoveredSince { get; set; }

    /// <summary>The time up to which daemon events have been applied; the next replay starts here.</summary>
    public DateTimeOffset? EventsSeenUntil { get; private set; }

    public IReadOnlyDictionary<string, LedgerEntry> Entries => _entries;

    public LedgerEntry? Find(string imageId) => _entries.GetValueOrDefault(imageId);

    /// <summary>Last use of an image; one the ledger has never seen counts as used now.</summary>
    public DateTimeOffset LastUsed(string imageId, DateTimeOffset now) =>
        _entries.TryGetValue(imageId, out var e) ? e.LastUsed : now;

    public void Apply(UsageEvent e)
    {
        var entry = Ensure(e.ImageId, e.Time);
        var before = entry.References;
        var refs = Remember(before, e.Reference);
        entry = e.Kind switch
        {
            UsageKind.ContainerCreated => entry with
            {
                LastUsed = Max(entry.LastUsed, e.Time),
                LastUseAssumed = entry.LastUseAssumed && entry.LastUsed > e.Time,
                UseCount = entry.UseCount + 1,
                RecentUses = AddUse(entry.RecentUses, e.Time, RecentUseLimit),
                References = refs,
            },
            _ => entry with { LastUsed = Max(entry.LastUsed, e.Time), References = refs, LastUseAssumed = entry.LastUseAssumed && entry.LastUsed > e.Time },
        };
        if (e.SwarmService is { Length: > 0 } service && (entry.SwarmTask is null || entry.SwarmTask.LastSeen <= e.Time))
        {
            // A task's container seen in the event stream: it may have come and gone between snapshots.
            entry = entry with { SwarmTask = new SwarmTaskUse(service, e.Reference is { Length: > 0 } r ? r : entry.SwarmTask?.Reference ?? e.ImageId, e.Time) };
        }

        _entries[e.ImageId] = entry;
        if (!ReferenceEquals(refs, before))
        {
            // The event's name is now the image's latest: a snapshot's tags must be folded in again after it.
            Unfold(e.ImageId);
        }

        if (e.Kind == UsageKind.ContainerCreated)
        {
            RecordRepositoryUse(e.ImageId, e.Reference, entry, e.Time);
        }
    }

    private void RecordRepositoryUse(string imageId, string? reference, LedgerEntry entry, DateTimeOffset at)
    {
        var named = reference is not null && !reference.StartsWith("sha256:", StringComparison.Ordinal) ? reference : entry.References.LastOrDefault();
        if (named is null)
        {
            return;
        }

        var repository = ImageReference.Repository(named);
        var history = _repositories.TryGetValue(repository, out var h)
            ? h with { LastUsed = Max(h.LastUsed, at), RecentUses = AddUse(h.RecentUses, at, RepositoryUseLimit) }
            : new RepositoryHistory(at, [at]);
        if (history.Latest != imageId && (history.LatestSince is null || at >= history.LatestSince))
        {
            // This image was used before the current one took over: the repository's images are
            // used side by side (or rolled back to), not one after another.
            var usedBefore = entry.RecentUses.Count >= 2 && history.LatestSince is { } since && entry.RecentUses[^2] < since;
            // Another image is now used as this repository: the version before is superseded.
            history = history with { Latest = imageId, LatestSince = at, Coexisting = history.Coexisting || usedBefore };
        }

        _repositories[repository] = history;
        if (_repositories.Count > RepositoryLimit)
        {
            // Bounded: forget the repository unused for longest.
            var oldest = _repositories.MinBy(kv => kv.Value.LastUsed).Key;
            _repositories.Remove(oldest);
        }
    }

    public void MarkEventsSeen(DateTimeOffset until)
    {
        if (EventsSeenUntil is null || until > EventsSeenUntil)
        {
            EventsSeenUntil = until;
        }
    }

    /// <summary>
    /// Folds in a snapshot: images new to the ledger are first seen (and so used) now; images any
    /// container uses, running or stopped, are used now; images gone from the daemon are dropped.
    /// </summary>
    public void Observe(Snapshot snapshot)
    {
        var now = snapshot.TakenAt;
        foreach (var image in snapshot.Images)
        {
            if (_folded.Contains(image))
            {
                continue;
            }

            Unfold(image.Id);
            _folded.Add(image);
            _foldedById[image.Id] = image;
            var entry = Ensure(image.Id, now);
            var refs = entry.References;
            foreach (var r in image.RepoTags)
            {
                refs = Remember(refs, r);
            }

            if (!ReferenceEquals(refs, entry.References))
            {
                _entries[image.Id] = entry with { References = refs };
            }
        }

        foreach (var container in snapshot.Containers)
        {
            // A live container uses its image now. A stopped one used it when it was created, and
            // its start and die events say when it last ran — if every event since its creation
            // was seen. If not, when it last ran is unknown, and unknown counts as now.
            var eventsKnown = EventsCoveredSince is { } covered && covered <= container.Created;
            if (container.Labels.TryGetValue(ServiceRecord.TaskServiceLabel, out var service) && service.Length > 0
                && _entries.TryGetValue(container.ImageId, out var tasked))
            {
                _entries[container.ImageId] = tasked with { SwarmTask = new SwarmTaskUse(service, container.ImageReference, now) };
            }

            if (container.IsLive)
            {
                Touch(container.ImageId, now);
            }
            else if (eventsKnown)
            {
                Touch(container.ImageId, Min(container.Created, now));
            }
            else
            {
                Touch(container.ImageId, now, assumed: true);
            }
        }

        // Every image has an entry now, so only more entries than images means some are gone:
        // then, and only then, find them (a watch cycle runs this after every pull).
        if (_entries.Count > snapshot.Images.Count)
        {
            Retain(snapshot.Images.Select(i => i.Id).ToHashSet(StringComparer.Ordinal));
        }
    }

    /// <summary>Marks an image used at <paramref name="at"/> (a removal refused because it is in use, a snapshot).</summary>
    /// <param name="assumed">Not a use that was seen, but unknown counted as now.</param>
    public void Touch(string imageId, DateTimeOffset at, bool assumed = false)
    {
        if (_entries.TryGetValue(imageId, out var entry) && at > entry.LastUsed)
        {
            _entries[imageId] = entry with { LastUsed = at, LastUseAssumed = assumed };
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    public void CacheLayers(string imageId, IReadOnlyList<LayerFact> layers)
    {
        if (_entries.TryGetValue(imageId, out var entry))
        {
            _entries[imageId] = entry with { Layers = layers };
        }
    }

    public void Forget(string imageId)
    {
        _entries.Remove(imageId);
        Unfold(imageId);
    }

    /// <summary>The image's entry changes or goes: its record must be folded in again when next seen.</summary>
    private void Unfold(string imageId)
    {
        if (_foldedById.Remove(imageId, out var record))
        {
            _folded.Remove(record);
        }
    }

    private LedgerEntry Ensure(string imageId, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(imageId, out var entry))
        {
            entry = new LedgerEntry(now, now, 0, [], [], null);
            _entries[imageId] = entry;
        }

        return entry;
    }

    private static IReadOnlyList<DateTimeOffset> AddUse(IReadOnlyList<DateTimeOffset> uses, DateTimeOffset at, int limit)
    {
        var list = uses.Append(at).Order().ToList();
        return list.Count > limit ? list[^limit..] : list;
    }

    private static IReadOnlyList<string> Remember(IReadOnlyList<string> refs, string? reference)
    {
        if (string.IsNullOrEmpty(reference) || reference.StartsWith("sha256:", StringComparison.Ordinal)
            || (refs.Count > 0 && refs[^1] == reference))
        {
            return refs;
        }

        var list = refs.Where(r => r != reference).Append(reference).ToList();
        return list.Count > ReferenceLimit ? list[^ReferenceLimit..] : list;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
