using Tidemark.Core.Configuration;
using Tidemark.Core.Cycles;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Simulation.Traces;

namespace Tidemark.Simulation.Policies;

public enum TidemarkMode
{
    /// <summary>One-shot runs on a schedule: the ledger catches up by replaying the daemon's bounded event buffer.</summary>
    Timer,
    /// <summary>watch mode: the ledger follows every event; a cycle after each pull and run end, and on the interval.</summary>
    Watch,
}

/// <summary>
/// Tidemark itself under simulation: the production <see cref="Policy"/> (gates, stage 1, stage 2),
/// the real <see cref="Settings"/> and <see cref="UsageLedger"/>, fed snapshots built from the
/// simulated store. Only the host around it is simulated.
/// </summary>
public sealed class TidemarkPolicy : ISimPolicy, ICountsRemovals
{
    /// <summary>The daemon keeps this many events; a timer run can replay no more.</summary>
    private const int EventBuffer = 256;

    /// <summary>Daemon events one simulated use stands for (create, start, die, destroy).</summary>
    private const int EventsPerUse = 4;

    private readonly Policy _policy;
    private readonly TidemarkMode _mode;
    private readonly TimeSpan _every;
    private readonly UsageLedger _ledger = new();
    private readonly Queue<(UsageEvent Use, int Weight)> _buffer = new();
    private readonly Dictionary<string, ImageRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<LayerFact>> _layers = new(StringComparer.Ordinal);
    private int _buffered;
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    // The last snapshot's image records, reused while the store's version is unchanged, and each
    // live run's records, rebuilt only when the run starts another container.
    private IReadOnlyList<ImageRecord>? _images;
    private long _imagesVersion = -1;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<LiveRun, RunRecords> _runs = new();

    /// <param name="prepareFrom">
    /// The trace, when every run calls `tidemark prepare` with its images before pulling them (a
    /// CI job knows its stack file): at run start the policy reads the run's pull lines that
    /// follow, as the job's own file would list them, and makes room for what is missing.
    /// </param>
    public TidemarkPolicy(string name, Settings settings, TidemarkMode mode, TimeSpan every, IEvictionOrder? order = null, Trace? prepareFrom = null)
    {
        Name = name;
        _policy = new Policy(settings, order);
        _mode = mode;
        _every = every;
        _prepareFrom = prepareFrom;
    }

    private readonly Trace? _prepareFrom;

    public string Name { get; }

    public long Removals { get; private set; }

    /// <summary>Called with each image removed and when: a seam for diagnosing an eviction order.</summary>
    public Action<string, DateTimeOffset>? Removed { get; init; }

    /// <summary>
    /// A run's containers carry its stack name and the default busy label, as a CI job that
    /// follows the README would, so the shipped defaults recognise a live run.
    /// </summary>
    public const string BusyLabel = "tidemark.busy";

    public void Observe(TraceEvent e, SimHost host)
    {
        if (e.Image is not { } image || e.Kind is not (TraceKind.Pull or TraceKind.Use))
        {
            return;
        }

        var use = new UsageEvent(e.Time, e.Kind == TraceKind.Use ? UsageKind.ContainerCreated : UsageKind.ImageArrived, image.Id, image.Reference);
        if (_mode == TidemarkMode.Watch)
        {
            _ledger.Apply(use);
            return;
        }

        var weight = e.Kind == TraceKind.Use ? EventsPerUse : 1;
        _buffer.Enqueue((use, weight));
        _buffered += weight;
        while (_buffered > EventBuffer)
        {
            _buffered -= _buffer.Dequeue().Weight;
        }
    }

    public void OnTick(SimHost host)
    {
        if (host.Now >= _next)
        {
            _next = host.Now + _every;
            Cycle(host);
        }
    }

    public void AfterPull(SimHost host, TraceImage image, long downloaded)
    {
        if (_mode == TidemarkMode.Watch)
        {
            Cycle(host);
        }
    }

    public void AfterRunStart(SimHost host, LiveRun run)
    {
        if (_prepareFrom is null)
        {
            return;
        }

        // The run's images, as its stack file names them: the pulls and uses of this run that follow.
        var images = new List<TraceImage>();
        var events = _prepareFrom.Events;
        for (var i = host.EventIndex + 1; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Kind == TraceKind.RunEnd && e.Run == run.Id)
            {
                break;
            }

            if (e.Run == run.Id && e.Image is { } image && !images.Any(x => x.Id == image.Id))
            {
                images.Add(image);
            }
        }

        Prepare(host, images);
    }

    /// <summary>`tidemark prepare` for these images: the production room planner on a snapshot of the store, its removals carried out.</summary>
    private void Prepare(SimHost host, IReadOnlyList<TraceImage> images)
    {
        var store = host.Store;
        var missing = images.Where(i => !store.IsPresent(i)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        ReplayBuffer();
        var snapshot = Snapshot(host);
        _ledger.Observe(snapshot);
        // The simulated registry's figures are exact: what is missing, compressed and unpacked.
        var incoming = missing.Select(i =>
        {
            var (compressed, size) = store.Missing(i);
            var here = i.Layers.Where(l => store.HasLayer(l.Digest)).DistinctBy(l => l.Digest).Select(l => new LayerFact(l.Digest, l.Size)).ToList();
            return new IncomingImage(i.Reference, new PullEstimate(size + compressed, size, compressed, i.Layers.Count, here, EstimateBasis.LayersHere, null, "simulated"));
        }).ToList();
        var requested = images.Where(store.IsPresent).ToDictionary(i => i.Id, _ => "requested", StringComparer.Ordinal);
        var plan = RoomPlanner.Plan(new RoomInput(snapshot, new UsageView(_ledger, _layers), _policy.Settings, incoming)
        {
            Requested = requested,
            Order = _policy.Order,
        });
        foreach (var item in plan.Actions.SelectMany(a => a.Items))
        {
            if (store.Remove(item.Id) is not null)
            {
                Removals++;
                Removed?.Invoke(item.Id, host.Now);
            }
            else
            {
                _ledger.Touch(item.Id, host.Now);
            }
        }
    }

    public void AfterRunEnd(SimHost host)
    {
        if (_mode == TidemarkMode.Watch)
        {
            Cycle(host);
        }
    }

    /// <summary>The production cycle (<see cref="HostCycle{TError}"/>) through the simulator's ports.</summary>
    private void Cycle(SimHost host)
    {
        var cycle = new HostCycle<NoError>(new SimCycleHost(this, host), _policy);
        var request = new CycleRequest("watch", Execute: true, DryRun: false, CatchUp: _mode == TidemarkMode.Timer);
        // Every port completes at once: the cycle runs synchronously.
        var run = cycle.RunAsync(request, _ledger, ledgerReadable: true, [], observer: null, CancellationToken.None);
        _ = run.IsCompleted ? run.Result : run.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>The daemon's bounded event buffer, as a timer run replays it: only the newest events survive.</summary>
    private void ReplayBuffer()
    {
        while (_buffer.TryDequeue(out var pending))
        {
            _ledger.Apply(pending.Use);
        }

        _buffered = 0;
    }

    /// <summary>
    /// The cycle's ports on the simulated store: a snapshot of it, the buffered events, the
    /// layers every simulated image declares, removals by ID refused for images in use (as the
    /// daemon refuses with 409).
    /// </summary>
    private sealed class SimCycleHost(TidemarkPolicy owner, SimHost host) : ICycleHost<NoError>
    {
        public DateTimeOffset Now => host.Now;

        public ValueTask<Outcome<Snapshot, NoError>> ReadAsync(Func<DiskReading, bool> sizesNeeded, CancellationToken ct) =>
            ValueTask.FromResult(Outcome<Snapshot, NoError>.Ok(owner.Snapshot(host)));

        public ValueTask<Outcome<string?, NoError>> CatchUpAsync(UsageLedger ledger, Snapshot snapshot, CancellationToken ct)
        {
            owner.ReplayBuffer();
            return ValueTask.FromResult(Outcome<string?, NoError>.Ok(null));
        }

        public ValueTask<Outcome<IReadOnlyDictionary<string, IReadOnlyList<LayerFact>>, NoError>> ReadLayersAsync(
            IReadOnlyList<string> imageIds, UsageLedger ledger, ICycleObserver? observer, CancellationToken ct) =>
            ValueTask.FromResult(Outcome<IReadOnlyDictionary<string, IReadOnlyList<LayerFact>>, NoError>.Ok(owner._layers));

        public ValueTask<Execution> ExecuteAsync(Snapshot snapshot, Decision decision, Policy policy, ICycleObserver? observer)
        {
            var reports = new List<ActionReport>(decision.Actions.Count);
            foreach (var action in decision.Actions)
            {
                if (action.Kind is not (ActionKind.RemoveImage or ActionKind.PruneDanglingImages))
                {
                    // Containers and build cache are not simulated: nothing to remove.
                    reports.Add(new ActionReport(action, ActionStatus.Done, 0, 0, null));
                    continue;
                }

                long freed = 0;
                var removed = 0;
                foreach (var item in action.Items)
                {
                    if (host.Store.Remove(item.Id) is { } bytes)
                    {
                        freed += bytes;
                        removed++;
                        owner.Removals++;
                        owner.Removed?.Invoke(item.Id, host.Now);
                    }
                }

                // A removal by ID refused because the image is in use is the daemon's 409: a skip,
                // and a use. A prune skips what is in use silently, as the daemon's does.
                var refused = action.Kind == ActionKind.RemoveImage && removed == 0;
                reports.Add(new ActionReport(action, refused ? ActionStatus.Skipped : ActionStatus.Done, freed, removed, null, InUse: refused));
            }

            return ValueTask.FromResult(new Execution(reports, null));
        }

        public DiskReading? DiskAfter(Snapshot snapshot) => owner.Disk(host);

        public ValueTask<IReadOnlySet<string>?> ImagesLeftAsync() =>
            ValueTask.FromResult<IReadOnlySet<string>?>(host.Store.Images.Keys.ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>The simulator's hosts never fail a step.</summary>
    private sealed class NoError;

    /// <summary>A pulled image keeps its digest reference even when dangling, as on a daemon.</summary>
    private static string RepoDigest(TraceImage image)
    {
        var reference = image.Reference;
        var colon = reference.LastIndexOf(':');
        var repository = colon > reference.LastIndexOf('/') ? reference[..colon] : reference;
        return repository + "@" + image.Id;
    }

    private DiskReading Disk(SimHost host) =>
        new("/sim", host.Store.Capacity, host.Store.Free, host.Store.Free, 1_000_000_000, 999_000_000);

    /// <summary>A live run as the snapshot shows it: its stack's service and its containers.</summary>
    private sealed record RunRecords(ServiceRecord Service, List<ContainerRecord> Containers);

    /// <summary>The store's images as records; rebuilt only when the store changed.</summary>
    private List<ImageRecord> Images(SimStore store)
    {
        var images = new List<ImageRecord>(store.Images.Count);
        foreach (var image in store.Images.Values)
        {
            // Tags move (a new `app:main` leaves the old image dangling): the record follows them.
            var tags = store.TagsOf(image.Id);
            if (!_records.TryGetValue(image.Id, out var record) || !ReferenceEquals(record.RepoTags, tags))
            {
                record = new ImageRecord(image.Id, "", tags, [RepoDigest(image)], image.Created, image.Size, -1);
                _records[image.Id] = record;
                _layers.TryAdd(image.Id, image.Layers.Select(l => new LayerFact(l.Digest, l.Size)).ToList());
            }

            images.Add(record);
        }

        return images;
    }

    private Snapshot Snapshot(SimHost host)
    {
        var store = host.Store;
        if (_imagesVersion != store.Version || _images is null)
        {
            _images = Images(store);
            _imagesVersion = store.Version;
        }

        var images = _images;

        // A run is live from its start: its stack's service exists (and waits for its tasks)
        // while the images are pulled, before any container runs.
        var containers = new List<ContainerRecord>();
        var services = new List<ServiceRecord>(host.Runs.Count);
        foreach (var run in host.Runs.Values)
        {
            // A run's records change only when it starts another container: built once per change.
            if (!_runs.TryGetValue(run, out var records) || records.Containers.Count != run.Images.Count)
            {
                var labels = new Dictionary<string, string> { [ServiceRecord.StackLabel] = run.Stack, [BusyLabel] = "1" };
                records = new RunRecords(new ServiceRecord($"s-{run.Id}", run.Stack, "", labels, ServiceMode.Replicated, 1, run.Images.Count > 0 ? 1 : 0, 1, null),
                    [.. run.Images.Select((image, i) => new ContainerRecord($"{run.Id}-{i}", $"{run.Stack}_{i}", image, image,
                        ContainerState.Running, run.Started, labels, 0))]);
                _runs.AddOrUpdate(run, records);
            }

            services.Add(records.Service);
            containers.AddRange(records.Containers);
        }

        return new Snapshot(host.Now, new DaemonFacts("sim", "1.41", "/sim", SwarmRole.Manager), Disk(host), containers, images, services, []);
    }
}
