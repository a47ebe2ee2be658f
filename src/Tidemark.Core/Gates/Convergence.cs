namespace Tidemark.Core.Gates;

/// <summary>One task of a service as far as convergence needs it: its state and when it entered it.</summary>
public sealed record TaskState(string State, DateTimeOffset? Since);

/// <summary>Since when a service has been converging, from what the Engine API keeps.</summary>
public static class Convergence
{
    /// <summary>
    /// Mid-update: since the update started. Short of tasks: since the later of its last spec
    /// change and the last time one of its tasks started running — before either, it was either
    /// asked something else or had a task start. A crash-looping task restarts that clock, so
    /// such a service keeps holding the gate; one that never gets a task running (an image that
    /// does not exist, a constraint no node meets) does not.
    /// </summary>
    public static DateTimeOffset? Since(bool updating, DateTimeOffset? updateStarted, DateTimeOffset? specChanged, IEnumerable<TaskState> tasks)
    {
        if (updating)
        {
            return updateStarted ?? specChanged;
        }

        var lastStart = tasks.Where(t => t.State == "running" && t.Since is not null).Select(t => t.Since).Max();
        return (specChanged, lastStart) switch
        {
            ({ } a, { } b) => a > b ? a : b,
            (null, var b) => b,
            (var a, null) => a,
        };
    }
}
