using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;

namespace Tidemark.Core.Cycles;

/// <summary>What carrying out a plan did: a report per action, and why it stopped early, if it did.</summary>
/// <param name="Halt">Why the plan stopped early; every step after it is reported as not attempted.</param>
public sealed record Execution(IReadOnlyList<ActionReport> Actions, Halt? Halt);

/// <summary>
/// The ports a cycle runs through: a Docker daemon in production, the simulator's store under
/// simulation. The cycle itself (<see cref="HostCycle{TError}"/>) is the same code for both.
/// </summary>
/// <typeparam name="TError">How the host says a step failed (the daemon's API errors; never for the simulator).</typeparam>
public interface ICycleHost<TError>
    where TError : class
{
    /// <summary>The host now. <paramref name="sizesNeeded"/> says, from the disk alone, whether the costly sizes are worth reading.</summary>
    ValueTask<Outcome<Snapshot, TError>> ReadAsync(Func<DiskReading, bool> sizesNeeded, CancellationToken ct);

    /// <summary>Brings the ledger up to date with what happened since it was last fed (a timer run replays the daemon's bounded event buffer). Returns a warning, or null.</summary>
    ValueTask<Outcome<string?, TError>> CatchUpAsync(UsageLedger ledger, Snapshot snapshot, CancellationToken ct);

    /// <summary>Each image's layers (digest, size), from the ledger's cache where it has them.</summary>
    ValueTask<Outcome<IReadOnlyDictionary<string, IReadOnlyList<LayerFact>>, TError>> ReadLayersAsync(
        IReadOnlyList<string> imageIds, UsageLedger ledger, ICycleObserver? observer, CancellationToken ct);

    /// <summary>Carries out the decision's actions, in order, never with force; a refusal because something uses an image is a skip marked InUse.</summary>
    ValueTask<Execution> ExecuteAsync(Snapshot snapshot, Decision decision, Policy policy, ICycleObserver? observer);

    /// <summary>The disk as the removals left it, or null when it cannot be read now.</summary>
    DiskReading? DiskAfter(Snapshot snapshot);

    /// <summary>The images left after removals, or null when they cannot be listed now (the next snapshot catches up).</summary>
    ValueTask<IReadOnlySet<string>?> ImagesLeftAsync();

    /// <summary>Now, for the ledger: a refusal because an image is in use is a use.</summary>
    DateTimeOffset Now { get; }
}
