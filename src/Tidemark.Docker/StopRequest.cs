namespace Tidemark.Docker;

/// <summary>
/// A request to stop (a signal), as the executor sees it: once requested no new step starts,
/// and a call already under way gets <see cref="PlanExecutor.Grace"/> to finish.
/// </summary>
public interface IStopRequest
{
    CancellationToken Token { get; }

    /// <summary>What asked to stop, e.g. "SIGTERM"; null while nothing has.</summary>
    string? Reason { get; }
}

/// <summary>Never asks to stop: for callers that have no signals to pass on.</summary>
public sealed class NoStop : IStopRequest
{
    public static NoStop Instance { get; } = new();

    public CancellationToken Token => CancellationToken.None;

    public string? Reason => null;
}
