using Tidemark.Core.Configuration;
using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;

namespace Tidemark.Core.Planning;

/// <summary>What the policy decided for one snapshot: the gates' verdicts and, if they all pass, the plan.</summary>
/// <param name="Notes">One line each on what the plan deliberately keeps, and why.</param>
public sealed record Decision(GateOutcome Gates, IReadOnlyList<PlannedAction> Actions, IReadOnlyList<string> Notes)
{
    public bool Allowed => Gates.AllPassed;

    public long EstimatedBytes => Actions.Sum(a => a.EstimatedBytes);
}

/// <summary>The policy entry point: snapshot in, decision out. No I/O.</summary>
public sealed class Policy
{
    private readonly Settings _settings;
    private readonly BusySelector _selector;
    private readonly ProtectList _protect;

    public Policy(Settings settings)
    {
        _settings = settings;
        _selector = BusySelector.Create(settings.Busy);
        _protect = new ProtectList(settings.Prune.Protect);
    }

    public Settings Settings => _settings;

    public BusySelector Selector => _selector;

    public Decision Decide(Snapshot snapshot)
    {
        var gates = GateSet.Evaluate(snapshot, _settings, _selector);
        if (!gates.AllPassed)
        {
            return new Decision(gates, [], []);
        }

        var (actions, notes) = Stage1Planner.PlanWithNotes(snapshot, _settings.Prune, _protect);
        return new Decision(gates, actions, notes);
    }
}
