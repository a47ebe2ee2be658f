using System.Text.RegularExpressions;
using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;

namespace Tidemark.Core.Gates;

/// <summary>The converge gate's settings, compiled: which services never hold it, and how long one may.</summary>
public sealed class ConvergeRules
{
    private ConvergeRules(TimeSpan maxWait, IReadOnlyList<Regex> ignore)
    {
        MaxWait = maxWait;
        Ignore = ignore;
    }

    public static ConvergeRules Default { get; } = Create(new ConvergeSettings());

    public TimeSpan MaxWait { get; }

    public IReadOnlyList<Regex> Ignore { get; }

    public static ConvergeRules Create(ConvergeSettings settings) => new(
        settings.MaxWait,
        settings.IgnoreServices.Select(p => new Regex(p, RegexOptions.CultureInvariant, BusySelector.MatchTimeout)).ToArray());
}

/// <summary>
/// Gate 3: nothing converging. A swarm service short of its desired tasks, or mid-update, may be
/// pulling an image right now. A service that cannot converge must not block every prune: one
/// converging for longer than [converge] max_wait, or matching [converge] ignore_services, no
/// longer holds the gate, and the reason says so.
/// </summary>
public static class ConvergeGate
{
    public const string Name = "converge";
    private const int MaxListed = 3;

    public static GateResult Evaluate(SwarmRole role, IReadOnlyList<ServiceRecord> services) =>
        Evaluate(role, services, ConvergeRules.Default, null);

    /// <param name="now">When the services were read; null: how long they have been converging is not judged.</param>
    /// <param name="containers">The node's containers: on a worker, its own swarm tasks are all it can judge.</param>
    public static GateResult Evaluate(SwarmRole role, IReadOnlyList<ServiceRecord> services, ConvergeRules rules, DateTimeOffset? now,
        IReadOnlyList<ContainerRecord>? containers = null)
    {
        switch (role)
        {
            case SwarmRole.None:
                return GateResult.Pass(Name, "not in swarm mode: no services to converge");
            case SwarmRole.Worker:
                return Worker(containers ?? []);
        }

        var own = services.Any(s => OwnWorkload.Is(s.Labels)) ? OwnWorkload.NotCounted : "";
        services = [.. services.Where(s => !OwnWorkload.Is(s.Labels))];
        var problems = new List<string>();
        var notWaiting = new List<string>();
        var warnings = new List<string>();
        foreach (var s in services.Where(s => s.Converging))
        {
            var problem = Problem(s);
            var ago = s.ConvergingSince is { } since && now is { } n ? n - since : (TimeSpan?)null;
            var forHow = ago is { } a ? $" for {DurationText.Approximate(a)}" : "";
            if (BusySelector.FirstMatch(rules.Ignore, s.Name) is { TimedOut: false } ignored)
            {
                notWaiting.Add($"{s.Name} ({problem}{forHow}; ignore_services {ignored.Pattern})");
            }
            else if (rules.MaxWait > TimeSpan.Zero && ago > rules.MaxWait)
            {
                notWaiting.Add($"{s.Name} ({problem}{forHow}, past max_wait {DurationText.Format(rules.MaxWait)})");
                warnings.Add($"service {s.Name} has been converging{forHow} ({problem}), past [converge] max_wait {DurationText.Format(rules.MaxWait)}: " +
                    "it no longer holds the converge gate; fix or remove it, or list it in [converge] ignore_services");
            }
            else
            {
                problems.Add($"{problem}{forHow}");
            }
        }

        var skipped = (notWaiting.Count == 0 ? "" : $"; not waiting for {List(notWaiting)}") + own;
        if (problems.Count > 0)
        {
            return GateResult.Block(Name, $"swarm converging: {List(problems)}; a deploy or pull may be in flight{skipped}") with { Warnings = warnings };
        }

        var converged = services.Count(s => !s.Converging);
        var verdict = services.Count switch
        {
            0 => "swarm: no services",
            1 when converged == 1 => "swarm: the one service has converged",
            _ when converged == services.Count => $"swarm: all {services.Count} services have converged",
            _ => $"swarm: {converged} of {services.Count} services have converged",
        };
        return GateResult.Pass(Name, verdict + skipped) with { Warnings = warnings };
    }

    /// <summary>
    /// A worker cannot read service specs (`/services` answers 503): not seeing a service is not
    /// "nothing converging". It judges its own task containers: one created but not yet started is
    /// a task arriving (a deploy or a rolling update, its image just pulled), and one running but
    /// still before its first passing health check is a task swarm still counts as starting (with
    /// `order: start-first` the old task is still running beside it); either holds the gate. An
    /// unhealthy task does not: swarm replaces it, and that new task is judged when it arrives.
    /// </summary>
    private static GateResult Worker(IReadOnlyList<ContainerRecord> containers)
    {
        var tasks = containers.Where(c => c.Labels.ContainsKey(ServiceRecord.TaskIdLabel) && !OwnWorkload.Is(c.Labels)).ToList();
        var starting = tasks.Where(Starting).ToList();
        if (starting.Count > 0)
        {
            var named = starting.Select(c =>
            {
                string?[] notes =
                [
                    c.Labels.TryGetValue(ServiceRecord.TaskServiceLabel, out var service) ? $"service {service}" : null,
                    c.State == ContainerState.Running ? "health check starting" : null,
                ];
                var said = string.Join(", ", notes.OfType<string>());
                return said.Length == 0 ? c.Name : $"{c.Name} ({said})";
            });
            return GateResult.Block(Name,
                $"swarm worker: {starting.Count} task container{(starting.Count == 1 ? "" : "s")} of this node starting: {List([.. named])}; " +
                "a worker cannot read service specs, so it judges its own tasks");
        }

        return GateResult.Pass(Name,
            $"swarm worker: none of this node's {tasks.Count} task container{(tasks.Count == 1 ? "" : "s")} is starting; " +
            "a worker cannot read service specs, so the services themselves are judged on the managers");
    }

    private static bool Starting(ContainerRecord c) =>
        c.State == ContainerState.Created || (c.State == ContainerState.Running && c.Health == ContainerHealth.Starting);

    private static string Problem(ServiceRecord s) =>
        s.UpdateInProgress ? $"service {s.Name} {s.UpdateState!.Replace('_', ' ')}"
        : s.Mode is ServiceMode.ReplicatedJob or ServiceMode.GlobalJob ? $"job {s.Name} has {s.RunningTasks} tasks running"
        : $"service {s.Name} has {s.RunningTasks}/{s.DesiredTasks} tasks running";

    private static string List(List<string> items) =>
        string.Join(", ", items.Take(MaxListed)) + (items.Count > MaxListed ? $" and {items.Count - MaxListed} more" : "");
}
