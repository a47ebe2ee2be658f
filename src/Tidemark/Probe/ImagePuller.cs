using Tidemark.Docker.Api;
using Tidemark.Docker.Pull;

namespace Tidemark.Cli.Probe;

/// <summary>One pull through the Engine API, watched message by message, timed, and summed up.</summary>
public sealed class ImagePuller(DockerClient client, IPullView view, TimeProvider clock)
{
    /// <param name="auth">The X-Registry-Auth value for the target's registry, or null (anonymous).</param>
    public async Task<PullSummary> PullAsync(ProbeTarget target, string? auth, CancellationToken ct)
    {
        var tally = new PullTally();
        var started = clock.GetTimestamp();
        view.Started(target.Reference);
        PullFailure? failure = null;
        await foreach (var item in client.PullAsync(target.Reference, auth, ct).ConfigureAwait(false))
        {
            if (!item.IsOk)
            {
                failure = FromDaemon(item.Error!, target);
                break;
            }

            if (tally.Apply(item.Value) is { } change)
            {
                view.Changed(change, tally.Layers);
            }
        }

        view.Ended();
        if (failure is null && tally.Error is { } error)
        {
            failure = Describe(PullFailure.Classify(error, target.Reference), error, target);
        }
        else if (failure is null && !tally.Finished)
        {
            failure = new PullFailure(PullFailureKind.Daemon, $"the daemon ended the pull of {target.Reference} without saying it finished");
        }

        return tally.Summary(target.Reference, clock.GetElapsedTime(started), failure);
    }

    /// <summary>
    /// A refusal before the stream started: the daemon lost (socket, timeout) is the daemon's
    /// failure; an HTTP error carries the registry's answer and is sorted like one.
    /// </summary>
    private static PullFailure FromDaemon(ApiError error, ProbeTarget target) => error.Kind switch
    {
        ApiErrorKind.Unreachable or ApiErrorKind.Timeout or ApiErrorKind.BadResponse => new PullFailure(PullFailureKind.Daemon, error.Message),
        _ => Describe(PullFailure.Classify(error.DaemonMessage ?? error.Message, target.Reference), error.DaemonMessage ?? error.Message, target),
    };

    private static PullFailure Describe(PullFailureKind kind, string daemonSays, ProbeTarget target)
    {
        var registry = target.DefaultRegistry ? $"the default registry ({target.Registry})" : $"registry {target.Registry}";
        var message = kind switch
        {
            PullFailureKind.NotFound => $"{registry} has no image {target.Reference} (the daemon says: {daemonSays})",
            PullFailureKind.AuthRefused => $"{registry} refused authentication for {target.Reference} (the daemon says: {daemonSays})",
            PullFailureKind.Unreachable => $"{registry} could not be reached to pull {target.Reference} (the daemon says: {daemonSays})",
            _ => $"pulling {target.Reference} from {registry} failed: {daemonSays}",
        };
        return new PullFailure(kind, message);
    }
}
