using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;

namespace Tidemark.Core.Cycles;

/// <summary>How one cycle should behave.</summary>
/// <param name="Execute">Carry out the plan (run, watch, the simulator); false for plan and --dry-run.</param>
/// <param name="CatchUp">Bring the ledger up to date through the host first (one-shot runs and timer-mode simulation).</param>
public sealed record CycleRequest(string Command, bool Execute, bool DryRun, bool CatchUp);

/// <summary>
/// One pass of snapshot → assess → (layer facts) → decide → execute → report, through a host's
/// ports. `plan`, `run` and `watch` run it against the daemon and the simulator against its
/// store: a policy measured in simulation is the policy that runs. The ledger belongs to the
/// caller, who loads and saves it.
/// </summary>
public sealed class HostCycle<TError>(ICycleHost<TError> host, Policy policy)
    where TError : class
{
    public Policy Policy => policy;

    /// <param name="ledgerReadable">False when the ledger could not be read: stage 2 then plans nothing on a guess.</param>
    /// <param name="warnings">Lines the report starts with (ledger warnings and the like).</param>
    public async ValueTask<Outcome<RunReport, TError>> RunAsync(
        CycleRequest options, UsageLedger ledger, bool ledgerReadable, IReadOnlyList<string> warnings, ICycleObserver? observer, CancellationToken ct)
    {
        // Below the high watermark nothing is planned, so the costly sizes are not read.
        var read = await host.ReadAsync(disk => DiskGate.Evaluate(disk, policy.Settings.Disk).Passed, ct).ConfigureAwait(false);
        if (!read.IsOk)
        {
            return Outcome<RunReport, TError>.Fail(read.Error!);
        }

        var snapshot = read.Value!;
        var notes = warnings.Select(w => "warning: " + w).ToList();
        if (options.CatchUp)
        {
            var caught = await host.CatchUpAsync(ledger, snapshot, ct).ConfigureAwait(false);
            if (!caught.IsOk)
            {
                return Outcome<RunReport, TError>.Fail(caught.Error!);
            }

            if (caught.Value is { } w)
            {
                notes.Add("warning: " + w);
            }
        }

        ledger.Observe(snapshot);
        if (ledger.DaemonId is null && snapshot.Daemon.Id.Length > 0)
        {
            ledger.DaemonId = snapshot.Daemon.Id;
        }

        if (snapshot.Daemon.Swarm == SwarmRole.Worker)
        {
            // A worker sees no service: the ones its own tasks ran are remembered instead.
            snapshot = snapshot with { Services = [.. snapshot.Services, .. ledger.RememberedServices(snapshot.TakenAt, policy.Settings.Swarm.WorkerServiceMemory)] };
        }

        var assessment = policy.Assess(snapshot);
        IReadOnlyDictionary<string, IReadOnlyList<LayerFact>> layers = new Dictionary<string, IReadOnlyList<LayerFact>>();
        if (ledgerReadable && assessment.NeedsLayerFacts)
        {
            var facts = await host.ReadLayersAsync(snapshot.Images.Select(i => i.Id).ToList(), ledger, observer, ct).ConfigureAwait(false);
            if (!facts.IsOk)
            {
                return Outcome<RunReport, TError>.Fail(facts.Error!);
            }

            layers = facts.Value!;
        }

        var decision = policy.Decide(assessment, new UsageView(ledgerReadable ? ledger : null, layers));
        notes.AddRange(decision.Notes);
        observer?.Planned(RunReport.Planned(options.Command, options.DryRun, snapshot, decision, notes));
        IReadOnlyList<ActionReport> actions;
        DiskReading? diskAfter = null;
        Halt? halt = null;
        if (options.Execute && !options.DryRun && decision.Allowed && decision.Actions.Count > 0)
        {
            var executed = await host.ExecuteAsync(snapshot, decision, policy, observer).ConfigureAwait(false);
            actions = executed.Actions;
            halt = executed.Halt;
            foreach (var refused in actions.Where(a => a.InUse))
            {
                // Refused because something started using it: that is a use.
                ledger.Touch(refused.Action.Items[0].Id, host.Now);
            }

            diskAfter = host.DiskAfter(snapshot);

            // The ledger forgets what this run removed now, not at the next snapshot: an export
            // or a look at the file must not show images the daemon no longer holds. Not after a
            // signal or a lost daemon (the next run's snapshot drops them).
            if (actions.Any(a => a.Status == ActionStatus.Done) && halt?.Kind is not (HaltKind.Signal or HaltKind.DaemonLost)
                && await host.ImagesLeftAsync().ConfigureAwait(false) is { } left)
            {
                ledger.Retain(left);
            }
        }
        else
        {
            actions = decision.Actions.Select(ActionReport.Planned).ToList();
        }

        return Outcome<RunReport, TError>.Ok(new RunReport(options.Command, decision.Allowed, options.DryRun, snapshot.Daemon,
            snapshot.Disk, decision.Gates.Results, actions, notes, diskAfter, decision.Stage2, decision.Critical, halt, snapshot.TakenAt));
    }
}
