using Tidemark.Core.Cycles;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Docker.Api;
using Tidemark.Docker.Host;

namespace Tidemark.Docker;

/// <summary>
/// The cycle's ports on a real daemon: snapshots from the Engine API, the event replay of a
/// one-shot run, layer facts by inspect, removals through the executor (which re-checks before
/// every step and stops between steps when <paramref name="stop"/> fires).
/// </summary>
/// <param name="lockLost">Says why the run lock no longer protects this run (checked before every step).</param>
public sealed class DockerCycleHost(DockerClient client, TimeProvider clock, IStopRequest stop, string diskPath, Func<string?>? lockLost = null)
    : ICycleHost<ApiError>
{
    /// <summary>Beyond this many images to inspect, reading layers says how it is going.</summary>
    private const int SlowRead = 50;

    private readonly SnapshotReader _reader = new(client, clock);

    public DateTimeOffset Now => clock.GetUtcNow();

    public async ValueTask<Outcome<Snapshot, ApiError>> ReadAsync(Func<DiskReading, bool> sizesNeeded, CancellationToken ct) =>
        From(await _reader.ReadAsync(diskPath, sizesNeeded, ct).ConfigureAwait(false));

    public async ValueTask<Outcome<string?, ApiError>> CatchUpAsync(UsageLedger ledger, Snapshot snapshot, CancellationToken ct)
    {
        var replay = await EventReplay.RunAsync(client, ledger, new ImageResolver(snapshot.Images, snapshot.Containers), snapshot.TakenAt, ct).ConfigureAwait(false);
        return replay.IsOk ? Outcome<string?, ApiError>.Ok(replay.Value.Warning) : Outcome<string?, ApiError>.Fail(replay.Error!);
    }

    public async ValueTask<Outcome<IReadOnlyDictionary<string, IReadOnlyList<LayerFact>>, ApiError>> ReadLayersAsync(
        IReadOnlyList<string> imageIds, UsageLedger ledger, ICycleObserver? observer, CancellationToken ct)
    {
        var facts = await new LayerFactsReader(client).ReadAsync(imageIds, ledger, ct, ReadingProgress(observer)).ConfigureAwait(false);
        return facts.IsOk
            ? Outcome<IReadOnlyDictionary<string, IReadOnlyList<LayerFact>>, ApiError>.Ok(facts.Value)
            : Outcome<IReadOnlyDictionary<string, IReadOnlyList<LayerFact>>, ApiError>.Fail(facts.Error!);
    }

    public async ValueTask<Execution> ExecuteAsync(Snapshot snapshot, Decision decision, Policy policy, ICycleObserver? observer)
    {
        var images = snapshot.Images.GroupBy(i => i.Id).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var executor = new PlanExecutor(client, _reader, clock, images);
        var rules = new ExecutionRules(snapshot.Daemon.Swarm, policy.Selector, policy.Protect, decision.Critical, lockLost) { Converge = policy.Converge };
        return await executor.ExecuteAsync(decision.Actions, rules, stop, observer is null ? null : observer.Step).ConfigureAwait(false);
    }

    public DiskReading? DiskAfter(Snapshot snapshot) =>
        StatVfs.TryRead(snapshot.Disk.Path, out var after, out _) ? after with { StandsFor = snapshot.Disk.StandsFor } : null;

    public async ValueTask<IReadOnlySet<string>?> ImagesLeftAsync()
    {
        // Never for long: the run is over; the next snapshot drops them otherwise.
        using var brief = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            return await client.ListImagesAsync(brief.Token).ConfigureAwait(false) is { IsOk: true } left
                ? left.Value.Select(i => i.Id).ToHashSet(StringComparer.Ordinal)
                : null;
        }
        catch (OperationCanceledException) when (brief.IsCancellationRequested)
        {
            return null;
        }
    }

    private static Outcome<T, ApiError> From<T>(ApiResult<T> result) =>
        result.IsOk ? Outcome<T, ApiError>.Ok(result.Value) : Outcome<T, ApiError>.Fail(result.Error!);

    /// <summary>One line when a slow read starts and one per 10 % after it; nothing for a few images.</summary>
    private static Action<int, int>? ReadingProgress(ICycleObserver? observer) => observer is null ? null : (done, total) =>
    {
        if (total < SlowRead)
        {
            return;
        }

        if (done == 0)
        {
            observer.Progress($"reading the layers of {total} images not in the ledger yet (once per image; cached for the next runs)");
        }
        else if (done % Math.Max(1, total / 10) == 0 || done == total)
        {
            observer.Progress($"read the layers of {done} of {total} images");
        }
    };
}
