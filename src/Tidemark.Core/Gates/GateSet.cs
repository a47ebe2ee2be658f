using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;

namespace Tidemark.Core.Gates;

/// <summary>All gates, always all three evaluated so the report carries every reason.</summary>
public sealed record GateOutcome(IReadOnlyList<GateResult> Results)
{
    public bool AllPassed => Results.All(r => r.Passed);

    public IEnumerable<GateResult> Blocking => Results.Where(r => !r.Passed);
}

public static class GateSet
{
    /// <summary>"the idle gate holds", "the idle and converge gates hold": for critical-pressure lines.</summary>
    public static string Holding(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 1 ? $"the {list[0]} gate holds" : $"the {string.Join(" and ", list)} gates hold";
    }

    public static GateOutcome Evaluate(Snapshot snapshot, Settings settings, BusySelector selector, ConvergeRules converge) => new([
        DiskGate.Evaluate(snapshot.Disk, settings.Disk),
        IdleGate.Evaluate(snapshot, selector),
        ConvergeGate.Evaluate(snapshot.Daemon.Swarm, snapshot.Services, converge, snapshot.TakenAt, snapshot.Containers),
    ]);

    /// <summary>
    /// The gates that can change between planning and acting (a run may start): re-checked before
    /// every destructive step.
    /// </summary>
    public static GateOutcome Recheck(
        SwarmRole role,
        IReadOnlyList<ContainerRecord> containers,
        IReadOnlyList<ServiceRecord> services,
        BusySelector selector,
        ConvergeRules converge,
        DateTimeOffset now) => new([
        IdleGate.Evaluate(containers, services, selector),
        ConvergeGate.Evaluate(role, services, converge, now, containers),
    ]);
}
