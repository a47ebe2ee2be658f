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

    /// <summary>What the probe made and has not yet seen go, by name (known before the create is sent).</summary>
    private readonly List<(string Kind, string Name)> _created = [];
    private readonly List<string> _cleanup = [];

    /// <summary>What could not be removed again: also when the probe ends in an exception or a signal.</summary>
    public IReadOnlyList<string> CleanupProblems => _cleanup;

    /// <param name="cycle">False: one pull and its figures; true: the whole deploy cycle.</param>
    /// <param name="asService">Deploy as a swarm service (this node is a manager) rather than a container.</param>
    public async Task<ProbeResult> RunAsync(ProbeTarget target, string? auth, bool cycle, bool asService, CancellationToken ct)
    {
        try
        {
            var before = await LayersAsync(target, ct).ConfigureAwait(false);
            say(before is { } n
                ? $"{target.Reference} is present ({n} {Plural(n, "layer")}) before the probe: the first pull is not cold"
                : $"{target.Reference} is not present: the first pull is cold");
            var first = await PullAsync(!cycle ? "pull" : before is null ? "cold" : "first", target, auth, ct).ConfigureAwait(false);
            if (!cycle || !first.Pull.Succeeded)
            {
                return new ProbeResult(target, before is not null, first, null, null, null, null, _cleanup);
            }

            var deploy = await DeployAsync(target, auth, asService, ct).ConfigureAwait(false);
            if (deploy.Error is not null)
            {
                // Nothing was deployed, so nothing was torn down: the cycle cannot say more.
                return new ProbeResult(target, before is not null, first, deploy, null, null, null, _cleanup);
            }

            var after = await LayersAsync(target, ct).ConfigureAwait(false);
            say(after is not null
                ? $"after the teardown {target.Reference} is still present"
                : $"after the teardown {target.Reference} is GONE: something removed it");
            var second = await PullAsync("warm", target, auth, ct).ConfigureAwait(false);
            var redeploy = second.Pull.Succeeded ? await DeployAsync(target, auth, asService, ct, "redeploy").ConfigureAwait(false) : null;
            return new ProbeResult(target, before is not null, first, deploy, after is not null, second, redeploy, _cleanup);
        }
        finally
        {
            // A signal or a failure must not leave the probe's service or container behind. Longer
            // than a service's own wait for its task containers, so that wait can finish.
            using var grace = new CancellationTokenSource(Settle + TimeSpan.FromSeconds(30));
            foreach (var (kind, name) in _created.ToList())
            {
                try
                {
                    if (await RemoveAsync(kind, name, grace.Token).ConfigureAwait(false) is { } problem)
                    {
                        _cleanup.Add(problem);
                    }
                }
                catch (OperationCanceledException)
                {
                    _cleanup.Add($"the probe's {kind} {name} was not confirmed gone in time: check `docker {kind} ls --filter label={Label}` and remove it");
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
        var kind = asService ? "service" : "container";
        string? state = null, taskError = null;
        // Known by name before the request goes: a create the daemon carries out while the probe
        // is stopping is removed all the same. The create itself is not cancelled by a signal
        // (it takes a moment): abandoning it half-way is how objects get left behind.
        _created.Add((kind, name));
        if (asService)
        {
            var spec = new ProbeServiceSpec
            {
                Name = name,
                Labels = labels,
                TaskTemplate = new ProbeTaskTemplate { ContainerSpec = new ContainerSpec { Image = target.Reference, Labels = labels } },
                Mode = new ServiceModeSpec { Replicated = new ReplicatedMode { Replicas = 1 } },
            };
            var created = await client.CreateServiceAsync(spec, auth, CancellationToken.None).ConfigureAwait(false);
            if (!created.IsOk)
            {
                return Failed(created.Error!.Message);
            }

            ct.ThrowIfCancellationRequested();
            (state, taskError) = await SettleAsync(name, ct).ConfigureAwait(false);
            var note = taskError is null ? "" : $" ({taskError}; the image was deployed all the same)";
            say($"{step}: service {name} created; its task is {state}{note}");
        }
        else
        {
            var config = new ProbeContainerConfig { Image = target.Reference, Labels = labels };
            var created = await client.CreateContainerAsync(name, config, CancellationToken.None).ConfigureAwait(false);
            if (!created.IsOk)
            {
                return Failed(created.Error!.Message);
            }

            ct.ThrowIfCancellationRequested();
            say($"{step}: container {name} created from {target.Reference} (not started)");
        }

        var started = clock.GetTimestamp();
        var problem = await RemoveAsync(kind, name, ct).ConfigureAwait(false);
        var took = clock.GetElapsedTime(started);
        say(problem is null
            ? $"teardown: {kind} {name} removed{(kind == "service" ? $", its task containers gone after {took.TotalSeconds:0.0} s" : "")}"
            : $"teardown: {problem}");
        return new DeployStep(kind, name, state, taskError, problem is null, took, problem);

        DeployStep Failed(string error)
        {
            say($"{step}: could not create {kind} {name}: {error}");
            return new DeployStep(kind, name, null, null, Removed: false, TimeSpan.Zero, error);
        }
    }

    /// <summary>Waits until the service's task has started or ended: the image has then been used.</summary>
    private async Task<(string State, string? Error)> SettleAsync(string service, CancellationToken ct)
    {
        var started = clock.GetTimestamp();
        var last = "pending";
        while (clock.GetElapsedTime(started) < Settle)
        {
            var tasks = await client.ListTasksAsync(service, ct).ConfigureAwait(false);
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

    /// <summary>Removes what the probe made, by name; for a service, waits for its task containers to go. Null when done.</summary>
    private async Task<string?> RemoveAsync(string kind, string name, CancellationToken ct)
    {
        var removed = kind == "service"
            ? await client.RemoveServiceAsync(name, ct).ConfigureAwait(false)
            : await client.RemoveContainerAsync(name, ct).ConfigureAwait(false);
        if (!removed.IsOk && removed.Error!.Kind != ApiErrorKind.NotFound)
        {
            return $"could not remove the probe's {kind} {name}: {removed.Error.Message}";
        }

        if (kind == "service")
        {
            var started = clock.GetTimestamp();
            while (true)
            {
                var left = await client.ListContainersWithLabelAsync($"com.docker.swarm.service.name={name}", ct).ConfigureAwait(false);
                if (left.IsOk && left.Value.Count == 0)
                {
                    break;
                }

                if (clock.GetElapsedTime(started) >= Settle)
                {
                    return $"the probe's service {name} is removed but its task containers were still there after {Settle.TotalSeconds:0} s";
                }

                await Task.Delay(Poll, clock, ct).ConfigureAwait(false);
            }
        }

        _created.Remove((kind, name));
        return null;
    }

    private static string Plural(int n, string word) => n == 1 ? word : word + "s";
}

/// <summary>The daemon failed a step the probe cannot go on without.</summary>
public sealed class ProbeAbort(string message) : Exception(message);
