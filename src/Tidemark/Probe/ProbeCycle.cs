using System.Security.Cryptography;
using Tidemark.Docker.Api;
using Tidemark.Docker.Models;

namespace Tidemark.Cli.Probe;

/// <summary>
/// The deploy → teardown → redeploy check an operator would do by hand: pull (cold if absent),
/// deploy, tear down, confirm the image stayed, pull again (warm), deploy again. Everything it
/// creates carries the label <c>tidemark.probe</c> and is removed again, also on failure or a
/// signal; the image itself is never removed.
/// </summary>
public sealed class ProbeCycle(DockerClient client, ImagePuller puller, TimeProvider clock, Action<string> say)
{
    public const string Label = "tidemark.probe";
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly string[] Settled = ["running", "complete", "failed", "rejected", "shutdown", "orphaned", "remove"];

    private readonly List<(string Kind, string Id)> _created = [];

    /// <param name="cycle">False: one pull and its figures; true: the whole deploy cycle.</param>
    /// <param name="asService">Deploy as a swarm service (this node is a manager) rather than a container.</param>
    public async Task<ProbeResult> RunAsync(ProbeTarget target, string? auth, bool cycle, bool asService, CancellationToken ct)
    {
        var cleanup = new List<string>();
        try
        {
            var before = await LayersAsync(target, ct).ConfigureAwait(false);
            say(before is { } n
                ? $"{target.Reference} is present ({n} layers) before the probe: the first pull is not cold"
                : $"{target.Reference} is not present: the first pull is cold");
            var first = await PullAsync(cycle ? "cold" : "pull", target, auth, ct).ConfigureAwait(false);
            if (!cycle || !first.Pull.Succeeded)
            {
                return new ProbeResult(target, before is not null, first, null, null, null, null, cleanup);
            }

            var deploy = await DeployAsync(target, auth, asService, ct).ConfigureAwait(false);
            var after = await LayersAsync(target, ct).ConfigureAwait(false);
            say(after is not null
                ? $"after the teardown {target.Reference} is still present"
                : $"after the teardown {target.Reference} is GONE: something removed it");
            var second = await PullAsync("warm", target, auth, ct).ConfigureAwait(false);
            var redeploy = second.Pull.Succeeded ? await DeployAsync(target, auth, asService, ct, "redeploy").ConfigureAwait(false) : null;
            return new ProbeResult(target, before is not null, first, deploy, after is not null, second, redeploy, cleanup);
        }
        finally
        {
            // A signal or a failure must not leave the probe's service or container behind.
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            foreach (var (kind, id) in _created.ToList())
            {
                if (await RemoveAsync(kind, id, grace.Token).ConfigureAwait(false) is { } problem)
                {
                    cleanup.Add(problem);
                }
            }
        }
    }

    private async Task<PullStep> PullAsync(string label, ProbeTarget target, string? auth, CancellationToken ct)
    {
        var pull = await puller.PullAsync(target, auth, ct).ConfigureAwait(false);
        var step = new PullStep(label, pull, await LayersAsync(target, ct).ConfigureAwait(false));
        say(ProbeOutput.Line(step));
        return step;
    }

    /// <summary>The image's layer count, or null when the daemon has no image by that name.</summary>
    private async Task<int?> LayersAsync(ProbeTarget target, CancellationToken ct)
    {
        var found = await client.FindImageAsync(target.Reference, ct).ConfigureAwait(false);
        if (found.IsOk)
        {
            return found.Value.RootFS?.Layers?.Count ?? 0;
        }

        return found.Error!.Kind == ApiErrorKind.NotFound ? null : throw new ProbeAbort(found.Error.Message);
    }

    private async Task<DeployStep> DeployAsync(ProbeTarget target, string? auth, bool asService, CancellationToken ct, string step = "deploy")
    {
        var name = "tidemark-probe-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var labels = new Dictionary<string, string> { [Label] = target.Reference };
        string? state = null, taskError = null;
        if (asService)
        {
            var spec = new ProbeServiceSpec
            {
                Name = name,
                Labels = labels,
                TaskTemplate = new ProbeTaskTemplate { ContainerSpec = new ContainerSpec { Image = target.Reference, Labels = labels } },
                Mode = new ServiceModeSpec { Replicated = new ReplicatedMode { Replicas = 1 } },
            };
            var created = await client.CreateServiceAsync(spec, auth, ct).ConfigureAwait(false);
            if (!created.IsOk || created.Value.Id is not { Length: > 0 } id)
            {
                return Failed("service", name, created.Error?.Message ?? "the daemon returned no service ID");
            }

            _created.Add(("service", id));
            (state, taskError) = await SettleAsync(id, ct).ConfigureAwait(false);
            say($"{step}: service {name} created; its task is {state}{(taskError is null ? "" : $" ({taskError})")}");
        }
        else
        {
            var config = new ProbeContainerConfig { Image = target.Reference, Labels = labels };
            var created = await client.CreateContainerAsync(name, config, ct).ConfigureAwait(false);
            if (!created.IsOk || created.Value.Id is not { Length: > 0 } id)
            {
                return Failed("container", name, created.Error?.Message ?? "the daemon returned no container ID");
            }

            _created.Add(("container", id));
            say($"{step}: container {name} created from {target.Reference} (not started)");
        }

        var (kind, objectId) = _created[^1];
        var started = clock.GetTimestamp();
        var problem = await RemoveAsync(kind, objectId, ct).ConfigureAwait(false);
        var took = clock.GetElapsedTime(started);
        say(problem is null
            ? $"teardown: {kind} {name} removed{(kind == "service" ? $", its task containers gone after {took.TotalSeconds:0.0} s" : "")}"
            : $"teardown: {problem}");
        return new DeployStep(kind, name, state, taskError, problem is null, took, problem);

        DeployStep Failed(string kind, string what, string error)
        {
            say($"{step}: could not create {kind} {what}: {error}");
            return new DeployStep(kind, what, null, null, Removed: true, TimeSpan.Zero, error);
        }
    }

    /// <summary>Waits until the service's task has started or ended: the image has then been used.</summary>
    private async Task<(string State, string? Error)> SettleAsync(string serviceId, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var last = "pending";
        while (clock.GetElapsedTime(started) < Settle)
        {
            var tasks = await client.ListTasksAsync(serviceId, ct).ConfigureAwait(false);
            if (tasks.IsOk)
            {
                var settled = tasks.Value.FirstOrDefault(t => Settled.Contains(t.Status?.State));
                if (settled is not null)
                {
                    return (settled.Status!.State!, settled.Status.Err is { Length: > 0 } err ? err : null);
                }

                last = tasks.Value.Select(t => t.Status?.State).FirstOrDefault(s => s is not null) ?? last;
            }

            await Task.Delay(Poll, clock, ct).ConfigureAwait(false);
        }

        return ($"still {last} after {Settle.TotalSeconds:0} s", null);
    }

    /// <summary>Removes what the probe made; for a service, waits for its task containers to go. Null when done.</summary>
    private async Task<string?> RemoveAsync(string kind, string id, CancellationToken ct)
    {
        var removed = kind == "service"
            ? await client.RemoveServiceAsync(id, ct).ConfigureAwait(false)
            : await client.RemoveContainerAsync(id, ct).ConfigureAwait(false);
        if (!removed.IsOk && removed.Error!.Kind != ApiErrorKind.NotFound)
        {
            return $"could not remove the probe's {kind} {id}: {removed.Error.Message}";
        }

        _created.Remove((kind, id));
        if (kind != "service")
        {
            return null;
        }

        var started = clock.GetTimestamp();
        while (clock.GetElapsedTime(started) < Settle)
        {
            var left = await client.ListContainersWithLabelAsync($"com.docker.swarm.service.id={id}", ct).ConfigureAwait(false);
            if (left.IsOk && left.Value.Count == 0)
            {
                return null;
            }

            await Task.Delay(Poll, clock, ct).ConfigureAwait(false);
        }

        return $"the probe's service {id} is removed but its task containers were still there after {Settle.TotalSeconds:0} s";
    }
}

/// <summary>The daemon failed a step the probe cannot go on without.</summary>
public sealed class ProbeAbort(string message) : Exception(message);
