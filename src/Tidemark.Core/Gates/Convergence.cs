namespace Tidemark.Core.Gates;

/// <summary>One task of a service as far as convergence needs it: its state and when it entered it.</summary>
public sealed record TaskState(string State, DateTimeOffset? Since);

/// <summary>Since when a service has been converging, from what the Engine API keeps.</summary>
public static class Convergence
{
    /// <summary>States a task reaches only after it was started: the time it entered one is when a replica was lost.</summary>
    private static readonly string[] Ended = ["failed", "complete", "shutdown", "orphaned"];

    /// <summary>
    /// Mid-update: since the update started. Short of tasks: since the later of its last spec
    /// change and the last time one of its tasks ended after being started (failed, exited,
    /// shut down, orphaned with its node) — a replica lost a minute ago means a restart, and a
    /// pull, may be under way. A task that keeps failing keeps that clock at now, so such a
    /// service holds the gate for as long as it crash-loops ([converge] ignore_services lets it
    /// go); one that never gets a task started (an image that does not exist: its tasks are
    /// rejected; a constraint no node meets: they stay pending) is converging since its spec.
    /// </summary>
    public static DateTimeOffset? Since(bool updating, DateTimeOffset? updateStarted, DateTimeOffset? specChanged, IEnumerable<TaskState> tasks)
    {
        if (updating)
        {
            return updateStarted ?? specChanged;
        }

        var lastStart = tasks.Where(t => Ended.Contains(t.State) && t.Since is not null).Select(t => t.Since).Max();
        return (specChanged, lastStart) switch
        {
            ({ } a, { } b) => a > b ? a : b,
            (null, var b) => b,
            (var a, null) => a,
        };
    }
}
