using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Docker;
using Tidemark.Docker.Api;
using Tidemark.Docker.Host;

namespace Tidemark.Cli.Pipeline;

/// <summary>How one cycle should behave.</summary>
/// <param name="Execute">Carry out the plan (run); false for plan and --dry-run.</param>
/// <param name="ReplayEvents">Catch up on daemon events since the ledger's last one (one-shot mode).</param>
/// <param name="LockLost">Says why the run lock no longer protects this run (checked before every step).</param>
public sealed record CycleOptions(string Command, bool Execute, bool DryRun, bool ReplayEvents, Func<string?>? LockLost = null);

/// <summary>Told what a cycle does as it happens, so the output can follow it.</summary>
public interface ICycleObserver
{
    /// <summary>The decision, before anything is carried out.</summary>
    void Planned(RunReport planned);

    /// <summary>One step, as soon as it is done.</summary>
    void Step(ActionReport step);

    /// <summary>A line of progress on slow reading (layers of a large store).</summary>
    void Progress(string line);
}

/// <summary>
/// One pass of snapshot → gates → plan → execute → report, shared by `plan`, `run` and `watch`.
/// The ledger belongs to the caller, who loads and saves it.
/// </summary>
public sealed class Cycle(DockerClient client, Policy policy, TimeProvider clock)
{
    /// <summary>Beyond this many images to inspect, reading layers says how it is going.</summary>
    private const int SlowRead = 50;

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

    /// <summary>
    /// Reading is abandoned at once when <paramref name="stop"/> fires (an OperationCanceledException
    /// reaches the caller, nothing having been removed); once removals have begun, the executor
    /// stops between steps and the report says what was done.
    /// </summary>
    public async Task<ApiResult<RunReport>> RunAsync(
        CycleOptions options, UsageLedger ledger, bool ledgerReadable, IReadOnlyList<string> warnings, IStopRequest stop, ICycleObserver? observer = null)
    {
        var ct = stop.Token;
        var reader = new SnapshotReader(client, clock);
        // Below the high watermark nothing is planned, so the costly sizes are not read.
        var read = await reader.ReadAsync(policy.Settings.Disk.Path, disk => DiskGate.Evaluate(disk, policy.Settings.Disk).Passed, ct).ConfigureAwait(false);
        if (!read.IsOk)
        {
            return read.Error!;
        }

        var snapshot = read.Value;
        var notes = warnings.Select(w => "warning: " + w).ToList();
        if (options.ReplayEvents)
        {
            var replay = await EventReplay.RunAsync(client, ledger, new ImageResolver(snapshot.Images, snapshot.Containers), snapshot.TakenAt, ct).ConfigureAwait(false);
            if (!replay.IsOk)
            {
                return replay.Error!;
            }

            if (replay.Value.Warning is { } w)
            {
                notes.Add("warning: " + w);
            }
        }

        ledger.Observe(snapshot);
        if (ledger.DaemonId is null && snapshot.Daemon.Id.Length > 0)
        {
            ledger.DaemonId = snapshot.Daemon.Id;
        }

        IReadOnlyDictionary<string, IReadOnlyList<LayerFact>> layers = new Dictionary<string, IReadOnlyList<LayerFact>>();
        if (ledgerReadable && policy.NeedsLayerFacts(snapshot))
        {
            var facts = await new LayerFactsReader(client).ReadAsync(snapshot.Images.Select(i => i.Id), ledger, ct, ReadingProgress(observer)).ConfigureAwait(false);
            if (!facts.IsOk)
            {
                return facts.Error!;
            }

            layers = facts.Value;
        }

        var decision = policy.Decide(snapshot, new UsageView(ledgerReadable ? ledger : null, layers));
        notes.AddRange(decision.Notes);
        observer?.Planned(RunReport.Planned(options.Command, options.DryRun, snapshot, decision, notes));
        IReadOnlyList<ActionReport> actions;
        DiskReading? diskAfter = null;
        Halt? halt = null;
        if (options.Execute && !options.DryRun && decision.Allowed && decision.Actions.Count > 0)
        {
            var images = snapshot.Images.GroupBy(i => i.Id).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var executor = new PlanExecutor(client, reader, clock, images);
            var rules = new ExecutionRules(snapshot.Daemon.Swarm, policy.Selector, policy.Protect, decision.Critical, options.LockLost) { Converge = policy.Converge };
            var executed = await executor.ExecuteAsync(decision.Actions, rules, stop, observer is null ? null : observer.Step).ConfigureAwait(false);
            actions = executed.Actions;
            halt = executed.Halt;
            foreach (var refused in actions.Where(a => a.InUse))
            {
                // Refused because something started using it: that is a use.
                ledger.Touch(refused.Action.Items[0].Id, clock.GetUtcNow());
            }

            if (StatVfs.TryRead(snapshot.Disk.Path, out var after, out _))
            {
                diskAfter = after with { StandsFor = snapshot.Disk.StandsFor };
            }

            // The ledger forgets what this run removed now, not at the next snapshot: an export
            // or a look at the file must not show images the daemon no longer holds.
            // Not after a signal or a lost daemon (the next run's snapshot drops them), and never
            // for long: the run is over.
            if (actions.Any(a => a.Status == ActionStatus.Done) && halt?.Kind is not (HaltKind.Signal or HaltKind.DaemonLost))
            {
                using var brief = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    if (await client.ListImagesAsync(brief.Token).ConfigureAwait(false) is { IsOk: true } left)
                    {
                        ledger.Retain(left.Value.Select(i => i.Id).ToHashSet(StringComparer.Ordinal));
                    }
                }
                catch (OperationCanceledException) when (brief.IsCancellationRequested)
                {
                    // The next run's snapshot drops them instead.
                }
            }
        }
        else
        {
            actions = decision.Actions.Select(ActionReport.Planned).ToList();
        }

        return ApiResult<RunReport>.Ok(new RunReport(options.Command, decision.Allowed, options.DryRun, snapshot.Daemon,
            snapshot.Disk, decision.Gates.Results, actions, notes, diskAfter, decision.Stage2, decision.Critical, halt, snapshot.TakenAt));
    }
}
