using Tidemark.Cli.Output;
using Tidemark.Cli.Pipeline;
using Tidemark.Cli.Platform;
using Tidemark.Cli.Probe;
using Tidemark.Cli.Signals;
using Tidemark.Cli.State;
using Tidemark.Core.Configuration;
using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Core.Text;
using Tidemark.Docker;
using Tidemark.Docker.Api;
using Tidemark.Docker.Credentials;
using Tidemark.Docker.Host;
using Tidemark.Docker.Models;
using Tidemark.Docker.Pull;
using Tidemark.Docker.Registry;

namespace Tidemark.Cli.Prepare;

/// <param name="Wait">How long to wait for another prepare or run to finish (--wait).</param>
public sealed record PrepareOptions(IReadOnlyList<string> Images, string? StackFile, string? ConfigPath, bool Json, bool DryRun, TimeSpan Wait);

/// <summary>
/// `tidemark prepare`: find what the requested images need, make room for it under the invariants
/// (<see cref="RoomPlanner"/>), then pre-pull them. Safe beside live runs: no gate is consulted,
/// every removal is by ID, re-checked just before it, never forced.
/// </summary>
public sealed class PrepareRun(CliConsole console, TimeProvider clock, Shutdown shutdown)
{
    public async Task<int> RunAsync(PrepareOptions options)
    {
        var report = new PrepareReport { DryRun = options.DryRun };
        var output = new PrepareOutput(console, options.Json, report);
        var ct = shutdown.Token;
        try
        {
            return await RunAsync(options, report, output, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (shutdown.Requested)
        {
            var removed = report.Removals.Count(r => r.Status == ActionStatus.Done);
            return output.Fail(new CommandFailure(shutdown.ExitCode,
                $"interrupted by {shutdown.Reason}: {(removed == 0 ? "nothing removed" : $"{removed} images removed before it")}; the pulls not finished were abandoned"));
        }
    }

    private async Task<int> RunAsync(PrepareOptions options, PrepareReport report, PrepareOutput output, CancellationToken ct)
    {
        var (loaded, endpoint, failure) = Session.Prepare(console, options.ConfigPath, ct);
        if (failure is not null)
        {
            return output.Fail(failure);
        }

        var settings = loaded!.Settings;
        var (requests, stackNotes, inputFailure) = PrepareTargets.Collect(options.Images, options.StackFile, console.Environment);
        if (inputFailure is not null)
        {
            return output.Fail(inputFailure);
        }

        foreach (var note in stackNotes)
        {
            output.Note(note);
        }

        var (client, connectFailure) = await Session.ConnectAsync(endpoint!, ct).ConfigureAwait(false);
        if (connectFailure is not null)
        {
            return output.Fail(connectFailure);
        }

        using (client)
        {
            var info = await client!.GetInfoAsync(ct).ConfigureAwait(false);
            if (!info.IsOk)
            {
                return output.Fail(Session.FromApi(info.Error!));
            }

            var defaults = DefaultRegistry.FromIndexServer(info.Value.IndexServerAddress);
            var locks = (PrepareLocks?)null;
            if (!options.DryRun)
            {
                (locks, failure) = await PrepareLocks.AcquireAsync(settings.Lock.Path, options.Wait, clock, output.Waiting, ct).ConfigureAwait(false);
                if (failure is not null)
                {
                    return output.Fail(failure);
                }
            }

            using (locks)
            {
                return await PrepareAsync(options, report, output, settings, client, info.Value, defaults, requests, locks, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task<int> PrepareAsync(
        PrepareOptions options, PrepareReport report, PrepareOutput output, Settings settings, DockerClient client, SystemInfo info,
        DefaultRegistry defaults, IReadOnlyList<PrepareRequest> requests, PrepareLocks? locks, CancellationToken ct)
    {
        // The ledger is written only by whoever holds the run lock, and only when it is this user's
        // (a prepare run as root beside a service's own ledger leaves it to the service).
        var ledgerOwner = LedgerOwner(settings.Ledger.Path);
        var owns = locks?.OwnsLedger == true && ledgerOwner == Posix.EffectiveUid;
        if (locks?.OwnsLedger == true && !owns)
        {
            output.Note($"the ledger {settings.Ledger.Path} belongs to another user (uid {ledgerOwner?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}): it is read, not written; this prepare's pulls reach it through the daemon's events");
        }
        if (locks?.BesideWatch == true)
        {
            report.BesideWatch = locks.WatchHolder;
            output.Note($"the run lock is held by tidemark watch{locks.WatchHolder}: acting beside it (every removal is re-checked just before it); the ledger is the watch's and is left to it");
        }

        var ledgerLoad = LedgerStore.Load(settings.Ledger.Path, clock.GetUtcNow(), setAside: owns, daemonId: info.Id);
        if (ledgerLoad.Error is not null)
        {
            return output.Fail(new CommandFailure(ExitCodes.IoError, ledgerLoad.Error));
        }

        foreach (var warning in ledgerLoad.Warnings)
        {
            output.Note("warning: " + warning);
        }

        var ledger = ledgerLoad.Ledger;
        var reader = new SnapshotReader(client, clock);
        var read = await reader.ReadAsync(settings.Disk.Path, _ => true, ct).ConfigureAwait(false);
        if (!read.IsOk)
        {
            return output.Fail(Session.FromApi(read.Error!));
        }

        var snapshot = read.Value;
        var replay = await EventReplay.RunAsync(client, ledger, new ImageResolver(snapshot.Images, snapshot.Containers), snapshot.TakenAt, ct).ConfigureAwait(false);
        if (!replay.IsOk)
        {
            return output.Fail(Session.FromApi(replay.Error!));
        }

        if (replay.Value.Warning is { } replayWarning)
        {
            output.Note("warning: " + replayWarning);
        }

        ledger.Observe(snapshot);
        if (ledger.DaemonId is null && snapshot.Daemon.Id.Length > 0)
        {
            ledger.DaemonId = snapshot.Daemon.Id;
        }

        var facts = await new LayerFactsReader(client).ReadAsync(snapshot.Images.Select(i => i.Id), ledger, ct).ConfigureAwait(false);
        if (!facts.IsOk)
        {
            return output.Fail(Session.FromApi(facts.Error!));
        }

        IReadOnlyDictionary<string, IReadOnlyList<LayerFact>> layers = facts.Value;
        var hostLayers = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var fact in layers.Values.SelectMany(f => f))
        {
            hostLayers.TryAdd(fact.ChainId, fact.Size);
        }

        // What each request is, what is here for it, and what its pull needs.
        var targets = new List<PrepareTarget>();
        foreach (var request in requests)
        {
            var (target, error) = PrepareTargets.Parse(request, defaults, snapshot.Images);
            if (error is not null)
            {
                return output.Fail(new CommandFailure(error.Contains("no image with ID", StringComparison.Ordinal) ? ExitCodes.NoInput : ExitCodes.Usage, error));
            }

            // "alpine" and "alpine:latest" are one image: prepared (and counted) once.
            if (targets.All(t => t.Canonical != target!.Canonical))
            {
                targets.Add(target!);
            }
        }

        using var registry = new RegistryClient(new RegistryClientOptions { InsecureRegistries = Insecure(info) });
        var access = new RegistryAccess(settings, defaults, console, output.Note);
        var platform = Docker.Registry.Platform.FromDaemon(info.OSType ?? "linux", info.Architecture ?? "x86_64");
        var ledgerReadable = ledgerLoad.Readable;
        foreach (var target in targets)
        {
            var (item, notFound) = await ResolveAsync(target, snapshot, layers, hostLayers, ledgerReadable ? ledger : null, defaults, registry, access, platform, ct).ConfigureAwait(false);
            if (notFound is not null)
            {
                return output.Fail(notFound);
            }

            report.Items.Add(item!);
            output.Item(item!);
        }

        // Other prepares' pulls under way: their room is not handed out again.
        var others = Reservations.ReadLive(settings.Lock.Path);
        report.Reservations.AddRange(others);
        var incoming = new List<IncomingImage>();
        var requested = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in report.Items)
        {
            if (item.Here is { } here)
            {
                requested.TryAdd(here.Id, item.State == ImageState.Stale
                    ? $"requested by this prepare ({item.Target.Display}: the version here, until the pull replaces it)"
                    : $"requested by this prepare ({item.Target.Display})");
            }

            if (item.Pulls)
            {
                var sharer = others.FirstOrDefault(o => o.Images.Any(i => i.Reference == item.Target.Canonical));
                incoming.Add(sharer is null
                    ? new IncomingImage(item.Target.Canonical, item.Estimate!)
                    : new IncomingImage(item.Target.Canonical, item.Estimate! with { NeededBytes = 0, Explanation = $"{sharer.Owner} is pulling it now: its room is counted there" }));
            }
        }

        foreach (var other in others)
        {
            foreach (var id in other.Ids)
            {
                requested.TryAdd(id, $"requested by {other.Owner}, whose pulls are under way");
            }

            var bytes = other.Images.Where(i => incoming.All(n => n.Reference != i.Reference)).Sum(i => i.Bytes);
            incoming.Add(new IncomingImage(other.Owner, new PullEstimate(bytes, bytes, 0, 0, other.Layers, EstimateBasis.Ledger, null,
                $"{other.Owner} pulls {string.Join(", ", other.Images.Select(i => i.Reference))}"))
            { PulledBy = other.Owner });
            output.Note($"{other.Owner} is pulling {string.Join(", ", other.Images.Select(i => i.Reference))} now: its {ByteSize.Format(bytes)} counted as needed, its images and layers kept");
        }

        var room = RoomPlanner.Plan(new RoomInput(snapshot, new UsageView(ledgerReadable ? ledger : null, layers), settings, incoming) { Requested = requested });
        report.Room = room;
        output.Room(room);

        if (!room.RoomMade)
        {
            report.Removals.AddRange(room.Actions.Select(ActionReport.Planned));
            report.Outcome = room.Shortfall;
            // Nothing was removed; the ledger learnt from the replay all the same.
            SaveLedger(report, output, settings, ledger, owns && !options.DryRun);
            return output.Fail(new CommandFailure(ExitCodes.NoRoom, room.Shortfall!));
        }

        var pulls = report.Items.Where(i => i.Pulls).ToList();
        if (options.DryRun)
        {
            report.Removals.AddRange(room.Actions.Select(ActionReport.Planned));
            var what = pulls.Count == 0 ? "nothing to pull" : $"would pull {string.Join(", ", pulls.Select(p => p.Target.Canonical))}";
            return output.Finish(0, $"dry run: would remove {room.Actions.Count} images, about {ByteSize.Format(room.FreedBytes)}; {what}; nothing removed, nothing pulled");
        }

        // Carry out the removals: by ID, never forced, each re-checked against what runs now.
        if (room.Actions.Count > 0)
        {
            var images = snapshot.Images.GroupBy(i => i.Id).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var executor = new PlanExecutor(client, reader, clock, images);
            var rules = new ExecutionRules(snapshot.Daemon.Swarm, BusySelector.Create(settings.Busy), new ProtectList(settings.Prune.Protect), Critical: true, locks!.LockLost)
            {
                Converge = ConvergeRules.Create(settings.Converge),
            };
            var executed = await executor.ExecuteAsync(room.Actions, rules, shutdown, output.Removed).ConfigureAwait(false);
            report.Removals.AddRange(executed.Actions);
            foreach (var refused in executed.Actions.Where(a => a.InUse))
            {
                ledger.Touch(refused.Action.Items[0].Id, clock.GetUtcNow());
            }

            if (await client.ListImagesAsync(ct).ConfigureAwait(false) is { IsOk: true } left)
            {
                ledger.Retain(left.Value.Select(i => i.Id).ToHashSet(StringComparer.Ordinal));
            }

            if (executed.Halt is { } halt)
            {
                SaveLedger(report, output, settings, ledger, owns);
                var code = halt.Kind switch
                {
                    HaltKind.Signal => shutdown.ExitCode,
                    HaltKind.LockLost => ExitCodes.TempFail,
                    _ => ExitCodes.Unavailable,
                };
                return output.Fail(new CommandFailure(code, $"the removals stopped: {halt.Reason}; nothing pulled"));
            }
        }

        // The requested images that are here were just wanted: a use, so critical_min_age keeps them
        // for the job about to start. (Pulled ones are marked by their pull events.)
        foreach (var id in requested.Keys.Where(id => report.Items.Any(i => i.Here?.Id == id)))
        {
            ledger.Touch(id, clock.GetUtcNow());
        }

        SaveLedger(report, output, settings, ledger, owns);
        if (StatVfs.TryRead(snapshot.Disk.Path, out var after, out _))
        {
            report.DiskAfterRemovals = after with { StandsFor = snapshot.Disk.StandsFor };
            if (room.Actions.Count > 0)
            {
                output.AfterRemovals(report, room, report.DiskAfterRemovals);
            }
        }

        if (report.DiskAfterRemovals is { } measured && measured.AvailableBytes < room.NeededBytes && room.Actions.Count > 0
            && report.Removals.Any(r => r.Status != ActionStatus.Done))
        {
            // Some removals were refused (a container took an image up since the plan): the room fell short.
            var line = $"cannot make room: after the removals {ByteSize.Format(measured.AvailableBytes)} is available and the pulls need about {ByteSize.Format(room.NeededBytes)} " +
                $"({report.Removals.Count(r => r.Status != ActionStatus.Done)} removals did not happen: a container or service took those images up since the plan); nothing pulled";
            report.Outcome = line;
            return output.Fail(new CommandFailure(ExitCodes.NoRoom, line));
        }

        // Claim the room for the pulls, then let the next prepare (and runs) in.
        Reservations.Claim? claim = null;
        if (pulls.Count > 0)
        {
            var reservation = new Reservation(Environment.ProcessId,
                pulls.Select(p => (p.Target.Canonical, incoming.First(i => i.Reference == p.Target.Canonical).Estimate.NeededBytes)).ToList(),
                requested.Keys.Where(id => report.Items.Any(i => i.Here?.Id == id)).ToList(),
                pulls.SelectMany(p => p.Estimate!.LayersHere).DistinctBy(l => l.ChainId).ToList());
            claim = Reservations.Write(settings.Lock.Path, reservation, out var problem);
            if (problem is not null)
            {
                output.Note($"warning: the room for the pulls is not claimed ({problem}): a prepare started now may count on it too");
            }
        }

        locks!.Release();
        using (claim)
        {
            return await PullAsync(report, output, client, access, pulls, defaults, ct).ConfigureAwait(false);
        }
    }

    private async Task<int> PullAsync(PrepareReport report, PrepareOutput output, DockerClient client, RegistryAccess access, List<PrepareItem> pulls,
        DefaultRegistry defaults, CancellationToken ct)
    {
        IPullView view = console.Live && !output.Json ? new LivePullView(console.Error, clock) : new PlainPullView(console.Error);
        var puller = new ImagePuller(client, view, clock);
        int? failed = null;
        foreach (var item in pulls)
        {
            var name = item.Target.Name!;
            var (_, auth, who) = await access.ForAsync(name, ct).ConfigureAwait(false);
            var target = new ProbeTarget(name.ToString(), name.Registry, name.Registry == defaults.Domain);
            output.Note($"pulling {target.Reference}, credentials: {who}");
            var summary = await puller.PullAsync(target, auth, ct).ConfigureAwait(false);
            var pulled = item with { Pull = summary };
            report.Items[report.Items.IndexOf(item)] = pulled;
            output.Pulled(pulled);
            if (summary.Failure is { } failure)
            {
                failed ??= failure.Kind switch
                {
                    PullFailureKind.NotFound => ExitCodes.NoInput,
                    PullFailureKind.AuthRefused => ExitCodes.NoPermission,
                    _ => ExitCodes.Unavailable,
                };
            }
        }

        var present = report.Items.Count(i => !i.Pulls || i.Pull?.Succeeded == true);
        var pulledCount = report.Items.Count(i => i.Pull?.Succeeded == true);
        DiskReading? disk = report.DiskAfterRemovals is { } d && StatVfs.TryRead(d.Path, out var now, out _) ? now : null;
        var diskText = disk is null ? "" : $"; disk {disk.Display} at {disk.UsedPercent}%";
        if (failed is { } code)
        {
            var failures = report.Items.Where(i => i.Pull?.Failure is not null).Select(i => i.Pull!.Failure!.Message);
            return output.Fail(new CommandFailure(code, $"{report.Items.Count - present} of {report.Items.Count} images not ready: {string.Join("; ", failures)}"));
        }

        return output.Finish(0, $"ready: all {report.Items.Count} images present ({pulledCount} pulled, {report.Items.Count - pulledCount} already here){diskText}");
    }

    /// <summary>What one request is on this host, and what its pull needs; a failure when the registry says it does not exist.</summary>
    private static async Task<(PrepareItem? Item, CommandFailure? NotFound)> ResolveAsync(
        PrepareTarget target, Snapshot snapshot, IReadOnlyDictionary<string, IReadOnlyList<LayerFact>> layers, IReadOnlyDictionary<string, long> hostLayers,
        UsageLedger? ledger, DefaultRegistry defaults, RegistryClient registry, RegistryAccess access, Docker.Registry.Platform platform, CancellationToken ct)
    {
        if (target.Id is { } id)
        {
            var image = snapshot.Images.First(i => i.Id == id);
            return (new PrepareItem(target, ImageState.Present, image, null, $"present ({image.DisplayName}, named by ID): nothing to pull"), null);
        }

        var name = target.Name!;
        var here = snapshot.Images.FirstOrDefault(i => i.RepoTags.Concat(i.RepoDigests).Any(r => PrepareTargets.Names(r, name, defaults)));
        var (login, _, _) = await access.ForAsync(name, ct).ConfigureAwait(false);
        if (here is not null)
        {
            if (name.Digest is not null)
            {
                return (new PrepareItem(target, ImageState.UpToDate, here, null, "present (pinned by digest): nothing to pull"), null);
            }

            var localDigests = here.RepoDigests.Select(d => PrepareTargets.DigestIn(d, name, defaults)).OfType<string>().ToList();
            if (localDigests.Count == 0)
            {
                return (new PrepareItem(target, ImageState.Present, here, null, "present (built or loaded here: no registry digest to compare): nothing to pull"), null);
            }

            var head = await registry.HeadManifestAsync(name, login, ct).ConfigureAwait(false);
            if (!head.IsOk)
            {
                return (new PrepareItem(target, ImageState.Present, here, null, $"present; the registry could not be asked whether it is current ({head.Error!.Message}): used as it is, nothing to pull"), null);
            }

            if (head.Value.Digest is { } remote && localDigests.Contains(remote))
            {
                return (new PrepareItem(target, ImageState.UpToDate, here, null, $"present and up to date (the registry's {Short(remote)} is here): nothing to pull"), null);
            }

            var (stale, error) = await EstimateAsync(target, snapshot, layers, hostLayers, ledger, defaults, registry, login, platform, ct).ConfigureAwait(false);
            return error is not null
                ? (null, error)
                : (new PrepareItem(target, ImageState.Stale, here, stale,
                    $"present but stale: the registry's image for the tag is {Short(head.Value.Digest ?? "another")}, not the one here; the pull brings it: {stale!.Explanation}"), null);
        }

        var (estimate, failure) = await EstimateAsync(target, snapshot, layers, hostLayers, ledger, defaults, registry, login, platform, ct).ConfigureAwait(false);
        return failure is not null ? (null, failure) : (new PrepareItem(target, ImageState.Missing, null, estimate, $"missing: {estimate!.Explanation}"), null);
    }

    private static async Task<(PullEstimate? Estimate, CommandFailure? NotFound)> EstimateAsync(
        PrepareTarget target, Snapshot snapshot, IReadOnlyDictionary<string, IReadOnlyList<LayerFact>> layers, IReadOnlyDictionary<string, long> hostLayers,
        UsageLedger? ledger, DefaultRegistry defaults, RegistryClient registry, RegistryLogin? login, Docker.Registry.Platform platform, CancellationToken ct)
    {
        var name = target.Name!;
        var versions = snapshot.Images
            .SelectMany(i => i.RepoTags.Where(t => PrepareTargets.SameRepository(t, name, defaults)).Take(1).Select(t => (i, t)))
            .ToList();
        var earlier = PullEstimator.Pick(versions, ledger, layers);
        var manifest = await registry.GetManifestAsync(name, platform, login, ct).ConfigureAwait(false);
        if (!manifest.IsOk)
        {
            var error = manifest.Error!;
            if (error.Kind is RegistryErrorKind.NotFound or RegistryErrorKind.NoMatchingPlatform)
            {
                return (null, new CommandFailure(ExitCodes.NoInput, $"{target.Request.Source}: {error.Message}: it cannot be pulled; nothing removed"));
            }

            return (PullEstimator.FromHistory(earlier, $"the registry could not be asked ({error.Message})"), null);
        }

        var m = manifest.Value;
        IReadOnlyList<string?> chains = Enumerable.Repeat<string?>(null, m.Layers.Count).ToList();
        var diffIds = await registry.GetDiffIdsAsync(m, login, ct).ConfigureAwait(false);
        if (diffIds.IsOk)
        {
            chains = ChainIds.From(diffIds.Value);
        }

        var remote = m.Layers.Select((l, i) => new RemoteLayer(l.Digest, l.Size, chains[i])).ToList();
        var estimate = PullEstimator.FromManifest(remote, hostLayers, earlier);
        return (diffIds.IsOk ? estimate : estimate with { Explanation = estimate.Explanation + $" (its config could not be read, {diffIds.Error!.Message}: no layer counted as already here)" }, null);
    }

    private static void SaveLedger(PrepareReport report, PrepareOutput output, Settings settings, UsageLedger ledger, bool owns)
    {
        if (!owns)
        {
            return;
        }

        if (LedgerStore.Save(settings.Ledger.Path, ledger) is { } error)
        {
            output.Note("error: " + error);
            return;
        }

        report.LedgerSaved = true;
    }

    /// <summary>Who owns the ledger file, or, before there is one, its directory.</summary>
    private static uint? LedgerOwner(string path) =>
        Posix.OwnerOf(path) ?? (Path.GetDirectoryName(path) is { Length: > 0 } dir ? Posix.OwnerOf(dir) : null);

    private static string Short(string digest) => digest.Length > 19 ? digest[..19] + "…" : digest;

    /// <summary>What the daemon reaches without TLS: its CIDRs and the registries it marks insecure.</summary>
    private static List<string> Insecure(SystemInfo info) =>
    [
        .. info.RegistryConfig?.InsecureRegistryCidrs ?? [],
        .. (info.RegistryConfig?.IndexConfigs ?? []).Values.Where(i => !i.Secure && i.Name is { Length: > 0 }).Select(i => i.Name!),
    ];

    /// <summary>The deploying user's credentials per registry, as a `docker pull` would send them; read once each.</summary>
    private sealed class RegistryAccess(Settings settings, DefaultRegistry defaults, CliConsole console, Action<string> warn)
    {
        private readonly Dictionary<string, (RegistryLogin?, string?, string)> _cache = new(StringComparer.Ordinal);

        public async Task<(RegistryLogin? Login, string? Auth, string Who)> ForAsync(ImageName name, CancellationToken ct)
        {
            var key = name.Registry == defaults.Domain && defaults.ConfigKey.Length > 0 ? defaults.ConfigKey : name.Registry;
            if (_cache.TryGetValue(key, out var known))
            {
                return known;
            }

            var configured = settings.Registry.DockerConfig.Length == 0 ? null : settings.Registry.DockerConfig;
            var lookup = await new DockerCredentials(console.Environment).ResolveAsync(configured, key, ct).ConfigureAwait(false);
            if (lookup.Problem is { } problem)
            {
                warn($"warning: {problem}; asking and pulling without credentials");
            }

            var c = lookup.Credential;
            var result = c is null
                ? ((RegistryLogin?)null, (string?)null, $"none ({lookup.Via}): anonymous")
                : (c.Username is { Length: > 0 } user && c.Password is { } password ? new RegistryLogin(user, password) : null,
                    c.ToRegistryAuthHeader(),
                    c.Username is { Length: > 0 } u && c.IdentityToken is null ? $"user {u} ({c.Via})" : $"an identity token ({c.Via})");
            _cache[key] = result;
            return result;
        }
    }
}
