using Tidemark.Core.Cycles;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;

namespace Tidemark.Tests.Support;

/// <summary>
/// A host for the shared cycle that records which ports were called (as kubelet's image GC is
/// tested against a fake runtime): its snapshot is given, layers are one per image of
/// <see cref="LayerBytes"/>, and removals succeed unless refused.
/// </summary>
public sealed class FakeCycleHost(Snapshot snapshot) : ICycleHost<string>
{
    public List<string> Calls { get; } = [];

    public string? ReadError { get; init; }

    /// <summary>Image IDs whose removal the host refuses as in use (a 409).</summary>
    public HashSet<string> Refuse { get; } = [];

    public Halt? HaltWith { get; init; }

    /// <summary>The size of each image's one layer.</summary>
    public long LayerBytes { get; init; } = 100;

    /// <summary>The images the host says are left after removals; null: it cannot tell.</summary>
    public IReadOnlySet<string>? Left { get; init; } = new HashSet<string> { "kept" };

    public DateTimeOffset Now => Scene.Now;

    public ValueTask<Outcome<Snapshot, string>> ReadAsync(Func<DiskReading, bool> sizesNeeded, CancellationToken ct)
    {
        Calls.Add($"read(sizes={sizesNeeded(snapshot.Disk)})");
        return ValueTask.FromResult(ReadError is null ? Outcome<Snapshot, string>.Ok(snapshot) : Outcome<Snapshot, string>.Fail(ReadError));
    }

    public ValueTask<Outcome<string?, string>> CatchUpAsync(UsageLedger ledger, Snapshot s, CancellationToken ct)
    {
        Calls.Add("catch-up");
        return ValueTask.FromResult(Outcome<string?, string>.Ok("replayed 256 events"));
    }

    public ValueTask<Outcome<IReadOnlyDictionary<string, IReadOnlyList<LayerFact>>, string>> ReadLayersAsync(
        IReadOnlyList<string> imageIds, UsageLedger ledger, ICycleObserver? observer, CancellationToken ct)
    {
        Calls.Add($"layers({imageIds.Count})");
        IReadOnlyDictionary<string, IReadOnlyList<LayerFact>> layers = imageIds.ToDictionary(id => id, id => (IReadOnlyList<LayerFact>)[new LayerFact("sha256:" + id, LayerBytes)]);
        return ValueTask.FromResult(Outcome<IReadOnlyDictionary<string, IReadOnlyList<LayerFact>>, string>.Ok(layers));
    }

    public ValueTask<Execution> ExecuteAsync(Snapshot s, Decision decision, Policy policy, ICycleObserver? observer)
    {
        Calls.Add($"execute({decision.Actions.Count})");
        var reports = decision.Actions.Select(a => a.Kind == ActionKind.RemoveImage && Refuse.Contains(a.Items[0].Id)
            ? new ActionReport(a, ActionStatus.Skipped, null, null, "in use", InUse: true)
            : new ActionReport(a, ActionStatus.Done, a.EstimatedBytes, a.Items.Count, null)).ToList();
        return ValueTask.FromResult(new Execution(reports, HaltWith));
    }

    public DiskReading? DiskAfter(Snapshot s)
    {
        Calls.Add("disk-after");
        return s.Disk;
    }

    public ValueTask<IReadOnlySet<string>?> ImagesLeftAsync()
    {
        Calls.Add("images-left");
        return ValueTask.FromResult(Left);
    }
}
