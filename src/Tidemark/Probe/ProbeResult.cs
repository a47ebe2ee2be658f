using Tidemark.Docker.Pull;

namespace Tidemark.Cli.Probe;

/// <summary>One pull of the probe and the image it left: how many layers the image has.</summary>
/// <param name="Label">"pull", "cold" or "warm".</param>
/// <param name="ImageLayers">The image's layer count after the pull (null when it is absent).</param>
public sealed record PullStep(string Label, PullSummary Pull, int? ImageLayers);

/// <summary>A deploy and teardown: a service (swarm manager) or a container that is never started.</summary>
/// <param name="Kind">"service" or "container".</param>
/// <param name="TaskState">The service's task state when the probe stopped waiting (running, complete, rejected…).</param>
/// <param name="Removed">Torn down in full: the object and (for a service) its task containers are gone.</param>
public sealed record DeployStep(string Kind, string Name, string? TaskState, string? TaskError, bool Removed, TimeSpan Teardown, string? Error);

/// <summary>What the probe found; the cycle fields are null for a single pull.</summary>
public sealed record ProbeResult(
    ProbeTarget Target,
    bool PresentBefore,
    PullStep First,
    DeployStep? Deploy,
    bool? PresentAfterTeardown,
    PullStep? Second,
    DeployStep? Redeploy,
    IReadOnlyList<string> CleanupProblems)
{
    public bool Cycle => Deploy is not null;

    /// <summary>A deploy that could not be made: the cycle says nothing about retention.</summary>
    public string? DeployFailure => Deploy?.Error ?? Redeploy?.Error;

    /// <summary>The cache held: after a teardown the image was still there and the warm pull downloaded nothing.</summary>
    public bool? Retained => !Cycle || DeployFailure is not null || Second is null || !Second.Pull.Succeeded
        ? null
        : PresentAfterTeardown == true && Second.Pull.LayersDownloaded == 0;

    public PullFailure? Failure => First.Pull.Failure ?? Second?.Pull.Failure;
}
