using Tidemark.Core.Inventory;

namespace Tidemark.Core.Gates;

/// <summary>
/// Gate 2: no CI run or deploy may be live. Pulls of a live run must never race a prune, so
/// any live container, service or stack matching a busy selector blocks.
/// </summary>
public static class IdleGate
{
    public const string Name = "idle";
    private const int MaxListed = 3;

    public static GateResult Evaluate(Snapshot snapshot, BusySelector selector) =>
        Evaluate(snapshot.Containers, snapshot.Services, selector);

    public static GateResult Evaluate(
        IReadOnlyList<ContainerRecord> containers,
        IReadOnlyList<ServiceRecord> services,
        BusySelector selector)
    {
        var liveContainers = containers.Where(c => c.IsLive && !OwnWorkload.Is(c.Labels)).ToList();
        var liveServices = services.Where(s => s.WantsTasks && !OwnWorkload.Is(s.Labels)).ToList();
        var own = containers.Any(c => c.IsLive && OwnWorkload.Is(c.Labels)) || services.Any(s => s.WantsTasks && OwnWorkload.Is(s.Labels))
            ? OwnWorkload.NotCounted
            : "";
        if (selector.IsEmpty)
        {
            return GateResult.Pass(Name,
                $"no busy selectors configured: cannot tell a run is live, treating the host as idle ({liveContainers.Count} running containers){own}");
        }

        // One line per stack or service, however many containers it has: a set keeps the order
        // of first sight and drops the repeats.
        var matches = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in liveServices)
        {
            Add(Why(selector, s.Stack, s.Name, containerName: null, s.Labels));
        }

        foreach (var c in liveContainers)
        {
            c.Labels.TryGetValue(ServiceRecord.StackLabel, out var stack);
            c.Labels.TryGetValue(ServiceRecord.TaskServiceLabel, out var service);
            Add(Why(selector, stack, service, c.Name, c.Labels));
        }

        void Add(string? why)
        {
            if (why is not null && seen.Add(why))
            {
                matches.Add(why);
            }
        }

        if (matches.Count == 0)
        {
            return GateResult.Pass(Name,
                $"no run in progress: none of {liveContainers.Count} running containers and {liveServices.Count} active services matches a busy selector{own}");
        }

        var listed = string.Join(", ", matches.Take(MaxListed));
        var more = matches.Count > MaxListed ? $" and {matches.Count - MaxListed} more" : "";
        return GateResult.Block(Name, $"run in progress: {listed}{more}; not pruning while it runs");
    }

    private static string? Why(
        BusySelector selector,
        string? stack,
        string? service,
        string? containerName,
        IReadOnlyDictionary<string, string> labels)
    {
        if (BusySelector.FirstMatch(selector.Stacks, stack) is { } sp)
        {
            return Described($"stack {stack}", sp);
        }

        if (BusySelector.FirstMatch(selector.Services, service) is { } svp)
        {
            return Described($"service {service}", svp);
        }

        if (containerName is not null && BusySelector.FirstMatch(selector.Containers, containerName) is { } cp)
        {
            return Described($"container {containerName}", cp);
        }

        if (selector.FirstLabelMatch(labels) is { } label)
        {
            var what = containerName is null ? $"service {service}" : $"container {containerName}";
            return $"{what} (label {label})";
        }

        return null;
    }

    private static string Described(string what, SelectorMatch match) => match.TimedOut
        ? $"{what} (pattern {match.Pattern} ran past {BusySelector.MatchTimeout.TotalSeconds:0}s on it: cannot tell, so it counts as busy)"
        : $"{what} (matches {match.Pattern})";
}
