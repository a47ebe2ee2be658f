using Tidemark.Core.Inventory;

namespace Tidemark.Core.Gates;

/// <summary>
/// Gate 3: nothing converging. A swarm service short of its desired tasks, or mid-update, may be
/// pulling an image right now.
/// </summary>
public static class ConvergeGate
{
    public const string Name = "converge";
    private const int MaxListed = 3;

    public static GateResult Evaluate(SwarmRole role, IReadOnlyList<ServiceRecord> services)
    {
        switch (role)
        {
            case SwarmRole.None:
                return GateResult.Pass(Name, "not in swarm mode: no services to converge");
            case SwarmRole.Worker:
                return GateResult.Pass(Name,
                    "swarm worker: services are managed elsewhere; local task containers are covered by the idle gate");
        }

        var problems = new List<string>();
        foreach (var s in services)
        {
            if (s.UpdateInProgress)
            {
                problems.Add($"service {s.Name} {s.UpdateState!.Replace('_', ' ')}");
            }
            else if (s.Mode is ServiceMode.Replicated or ServiceMode.Global && s.RunningTasks < s.DesiredTasks)
            {
                problems.Add($"service {s.Name} has {s.RunningTasks}/{s.DesiredTasks} tasks running");
            }
            else if (s.Mode is ServiceMode.ReplicatedJob or ServiceMode.GlobalJob && s.RunningTasks > 0)
            {
                problems.Add($"job {s.Name} has {s.RunningTasks} tasks running");
            }
        }

        if (problems.Count == 0)
        {
            return GateResult.Pass(Name, services.Count switch
            {
                0 => "swarm: no services",
                1 => "swarm: the one service has converged",
                _ => $"swarm: all {services.Count} services have converged",
            });
        }

        var listed = string.Join(", ", problems.Take(MaxListed));
        var more = problems.Count > MaxListed ? $" and {problems.Count - MaxListed} more" : "";
        return GateResult.Block(Name, $"swarm converging: {listed}{more}; a deploy or pull may be in flight");
    }
}
