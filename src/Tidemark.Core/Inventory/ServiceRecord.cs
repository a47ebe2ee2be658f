namespace Tidemark.Core.Inventory;

/// <param name="Image">The image reference in the service spec (may carry a digest).</param>
/// <param name="Replicas">Desired replicas for replicated services; null for global and job modes.</param>
/// <param name="UpdateState">The swarm UpdateStatus.State, or null when no update ever ran.</param>
/// <param name="ConvergingSince">For a service short of its tasks or mid-update: since when, as far as
/// its spec and tasks tell (<see cref="Gates.Convergence"/>); null when not converging or unknown.</param>
public sealed record ServiceRecord(
    string Id,
    string Name,
    string Image,
    IReadOnlyDictionary<string, string> Labels,
    ServiceMode Mode,
    long? Replicas,
    long RunningTasks,
    long DesiredTasks,
    string? UpdateState,
    DateTimeOffset? ConvergingSince = null)
{
    public const string StackLabel = "com.docker.stack.namespace";

    /// <summary>The label swarm puts on a task container: the service it belongs to.</summary>
    public const string TaskServiceLabel = "com.docker.swarm.service.name";

    /// <summary>The label swarm puts on every task container: its task.</summary>
    public const string TaskIdLabel = "com.docker.swarm.task.id";

    /// <summary>
    /// Set for a service a worker cannot see but remembers from its own task containers: why it
    /// is taken as still there. Such a record never holds a gate (no tasks, none wanted).
    /// </summary>
    public string? RememberedBecause { get; init; }

    /// <summary>How a keep line names it: "named by service web", "…, scaled to 0", or the reason it is remembered.</summary>
    public string Naming => RememberedBecause is { } why ? $"named by service {Name} ({why})"
        : WantsTasks ? $"named by service {Name}" : $"named by service {Name}, scaled to 0";

    /// <summary>A service that wants tasks running: replicated with replicas &gt; 0, or global.</summary>
    public bool WantsTasks => Mode switch
    {
        ServiceMode.Replicated => Replicas > 0,
        ServiceMode.Global => true,
        _ => RunningTasks > 0,
    };

    public string? Stack => Labels.TryGetValue(StackLabel, out var s) ? s : null;

    /// <summary>Update or rollback states in which swarm is still replacing tasks.</summary>
    public bool UpdateInProgress => UpdateState is "updating" or "rollback_started";

    /// <summary>Swarm is still trying to reach what the spec asks: short of tasks, a job running, or mid-update.</summary>
    public bool Converging =>
        UpdateInProgress
        || (Mode is ServiceMode.Replicated or ServiceMode.Global && RunningTasks < DesiredTasks)
        || (Mode is ServiceMode.ReplicatedJob or ServiceMode.GlobalJob && RunningTasks > 0);
}

public enum ServiceMode
{
    Replicated,
    Global,
    ReplicatedJob,
    GlobalJob,
}
