using Tidemark.Core.Cycles;
using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Docker.Api;

namespace Tidemark.Docker;

/// <summary>What the executor must respect besides the plan.</summary>
/// <param name="Critical">Critical pressure: the plan removes only images by ID while a run may be
/// live, so the idle and converge gates are not re-checked; what containers use still is.</param>
/// <param name="LockLost">Says why the run lock no longer protects this run, or null while it does.</param>
public sealed record ExecutionRules(SwarmRole Role, BusySelector Selector, ProtectList Protect, bool Critical = false, Func<string?>? LockLost = null)
{
    public ConvergeRules Converge { get; init; } = ConvergeRules.Default;
}


/// <summary>
/// Carries out a plan through the daemon, step by step. Before every step it re-reads what is
/// running: a CI run that starts mid-plan (idle or converge gate) stops the plan, and an image a
/// container or service took up since the plan is skipped. Removal never forces; a 409 or 404 is
/// a skip, not an error. Told to stop, it starts no new step and gives the one under way
/// <see cref="Grace"/> to finish.
/// </summary>
/// <param name="images">The snapshot's images by ID: their references say how to remove them, and
/// the daemon's deletion list mixes images and layers, of which only images are counted.</param>
public sealed class PlanExecutor(DockerClient client, SnapshotReader reader, TimeProvider clock, IReadOnlyDictionary<string, ImageRecord> images)
{
    /// <summary>How long a call under way when a signal arrives may take before it is abandoned.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    private readonly ImageRemoval _removal = new(client, images);

    /// <param name="onStep">Told of each step as soon as it is done (or skipped), for progress output.</param>
    public async Task<Execution> ExecuteAsync(IReadOnlyList<PlannedAction> actions, ExecutionRules rules, IStopRequest stop, Action<ActionReport>? onStep = null)
    {
        var reports = new List<ActionReport>(actions.Count);
        Halt? halt = null;
        foreach (var action in actions)
        {
            halt ??= Stopping(stop) ?? LockLost(rules);
            if (halt is not null)
            {
                reports.Add(NotAttempted(action, halt));
                onStep?.Invoke(reports[^1]);
                continue;
            }

            using var call = new CancellationTokenSource();
            using var onStop = stop.Token.Register(() => call.CancelAfter(Grace));
            try
            {
                var (report, stepHalt) = await StepAsync(action, rules, stop, call.Token).ConfigureAwait(false);
                reports.Add(report);
                halt = stepHalt;
            }
            catch (OperationCanceledException) when (call.IsCancellationRequested)
            {
                halt = new Halt(HaltKind.Signal, $"stopped by {stop.Reason ?? "request"}");
                reports.Add(new ActionReport(action, ActionStatus.Interrupted, null, null,
                    $"abandoned {Grace.TotalSeconds:0}s after {stop.Reason ?? "the stop request"}: the daemon may still finish it"));
            }

            onStep?.Invoke(reports[^1]);
        }

        return new Execution(reports, halt);
    }

    private static Halt? Stopping(IStopRequest stop) =>
        stop.Token.IsCancellationRequested ? new Halt(HaltKind.Signal, $"stopped by {stop.Reason ?? "request"}") : null;

    private static Halt? LockLost(ExecutionRules rules) =>
        rules.LockLost?.Invoke() is { } why ? new Halt(HaltKind.LockLost, why) : null;

    private static ActionReport NotAttempted(PlannedAction action, Halt halt) =>
        new(action, ActionStatus.Skipped, null, null, $"not attempted: {halt.Reason}");

    /// <param name="stop">Checked before every further call that changes something within the step.</param>
    private async Task<(ActionReport Report, Halt? Halt)> StepAsync(PlannedAction action, ExecutionRules rules, IStopRequest stop, CancellationToken ct)
    {
        var activity = await reader.ReadActivityAsync(rules.Role, ct).ConfigureAwait(false);
        if (!activity.IsOk)
        {
            var lost = new Halt(HaltKind.DaemonLost, $"could not re-check the host before a step: {activity.Error}");
            return (Failed(action, activity.Error!, "not attempted: could not re-check the host first: "), lost);
        }

        var (containers, services) = activity.Value;
        if (!rules.Critical && GateSet.Recheck(rules.Role, containers, services, rules.Selector, rules.Converge, clock.GetUtcNow()).Blocking.FirstOrDefault() is { } gate)
        {
            var closed = new Halt(HaltKind.GateClosed, $"gate {gate.Name} closed before this step: {gate.Reason}");
            return (NotAttempted(action, closed), closed);
        }

        var report = action.Kind switch
        {
            ActionKind.PruneContainers => await PruneContainersAsync(action, ct).ConfigureAwait(false),
            ActionKind.PruneDanglingImages => await PruneDanglingAsync(action, containers, services, rules.Protect, stop, ct).ConfigureAwait(false),
            ActionKind.PruneBuildCache => await PruneBuildCacheAsync(action, ct).ConfigureAwait(false),
            ActionKind.RemoveImage => await RemoveImageAsync(action, containers, services, stop, ct).ConfigureAwait(false),
            _ => throw new InvalidOperationException($"unknown action kind {action.Kind}"),
        };
        return (report, report.Status == ActionStatus.Failed
            ? new Halt(HaltKind.DaemonLost, $"the daemon failed a step: {report.Message}")
            : null);
    }

    private async Task<ActionReport> PruneContainersAsync(PlannedAction action, CancellationToken ct)
    {
        var r = await client.PruneContainersAsync(Until(action), ct).ConfigureAwait(false);
        return r.IsOk ? Done(action, r.Value.SpaceReclaimed, r.Value.ContainersDeleted?.Count ?? 0) : Failed(action, r.Error!);
    }

    private async Task<ActionReport> PruneBuildCacheAsync(PlannedAction action, CancellationToken ct)
    {
        // The builder's until filter is a duration; express the planned cut-off as one.
        var r = await client.PruneBuildCacheAsync(clock.GetUtcNow() - Until(action), ct).ConfigureAwait(false);
        return r.IsOk ? Done(action, r.Value.SpaceReclaimed, r.Value.CachesDeleted?.Count ?? 0) : Failed(action, r.Error!);
    }

    /// <summary>
    /// The prune endpoint takes whatever is dangling when it runs, not what the plan saw: it is
    /// called only when, re-read now, it would take exactly planned images none of which is
    /// needed; otherwise the planned images are removed one by one.
    /// </summary>
    private async Task<ActionReport> PruneDanglingAsync(
        PlannedAction action, IReadOnlyList<ContainerRecord> containers, IReadOnlyList<ServiceRecord> services, ProtectList protect, IStopRequest stop, CancellationToken ct)
    {
        var listed = await client.ListImagesAsync(ct).ConfigureAwait(false);
        if (!listed.IsOk)
        {
            return Failed(action, listed.Error!, "not attempted: could not re-read the images first: ");
        }

        var now = EngineMapping.Images(listed.Value, []);
        var planned = action.Items.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var conflict = Stage1Planner.DanglingPruneConflict(now, containers, services, protect, Until(action), planned);
        if (conflict is null)
        {
            var r = await client.PruneDanglingImagesAsync(Until(action), ct).ConfigureAwait(false);
            return r.IsOk ? Done(action, r.Value.SpaceReclaimed, _removal.ImagesAmong(r.Value.ImagesDeleted)) : Failed(action, r.Error!);
        }

        // Only what is still dangling and unused, and not what a service or protect glob needs
        // now: the image that made the endpoint unsafe is among the planned ones when a service
        // named it since the plan.
        var takes = Stage1Planner.DanglingPruneTakes(now, containers, Until(action)).ToDictionary(i => i.Id, StringComparer.Ordinal);
        var removed = 0;
        long bytes = 0;
        var kept = new List<string>();
        foreach (var item in action.Items)
        {
            if (!takes.TryGetValue(item.Id, out var image))
            {
                continue;
            }

            if (Stage1Planner.NeededBy(image, services, protect) is { } why)
            {
                kept.Add($"{item.Name} ({why})");
                continue;
            }

            if (stop.Token.IsCancellationRequested)
            {
                kept.Add($"the rest (stopped by {stop.Reason})");
                break;
            }

            var removal = await _removal.RemoveAsync(item.Id, stop, ct).ConfigureAwait(false);
            switch (removal.Outcome)
            {
                case RemovalOutcome.Removed:
                    removed++;
                    bytes += item.Bytes;
                    break;
                case RemovalOutcome.Failed:
                    return new ActionReport(action, ActionStatus.Failed, bytes, removed,
                        $"after {removed} removed one by one ({conflict}): {removal.Error!.Message}{Unknown(removal.Error)}");
                default:
                    kept.Add($"{item.Name}: {removal.Message}");
                    break;
            }
        }

        var note = $"one by one: {conflict}" + (kept.Count > 0 ? $"; kept {string.Join("; ", kept)}" : "");
        return new ActionReport(action, ActionStatus.Done, bytes, removed, note);
    }

    private async Task<ActionReport> RemoveImageAsync(
        PlannedAction action, IReadOnlyList<ContainerRecord> containers, IReadOnlyList<ServiceRecord> services, IStopRequest stop, CancellationToken ct)
    {
        var item = action.Items.Single();
        // Untagging by name is not refused for an image in use while it keeps another name, so
        // what the host uses now is checked before any reference is dropped.
        if (containers.FirstOrDefault(c => c.ImageId == item.Id) is { } user)
        {
            return new ActionReport(action, ActionStatus.Skipped, null, 0,
                $"container {user.Name} started using it since the plan was made", InUse: true);
        }

        if (images.TryGetValue(item.Id, out var image) && services.FirstOrDefault(s => ImageReference.Names(s.Image, image)) is { } service)
        {
            return new ActionReport(action, ActionStatus.Skipped, null, 0, $"service {service.Name} names it since the plan was made", InUse: true);
        }

        var removal = await _removal.RemoveAsync(item.Id, stop, ct).ConfigureAwait(false);
        var lost = removal.Untagged.Count > 0 ? $" (it had already lost {string.Join(", ", removal.Untagged)})" : "";
        return removal.Outcome switch
        {
            // DELETE /images does not say how much it freed: report the plan's figure, and the
            // measured disk change appears in the summary.
            RemovalOutcome.Removed => new ActionReport(action, ActionStatus.Done, action.EstimatedBytes, removal.ImagesRemoved, null),
            RemovalOutcome.InUse => new ActionReport(action, ActionStatus.Skipped, null, 0,
                $"the daemon refused (409, a container uses it since the plan was made): {removal.Message}{lost}", InUse: true),
            RemovalOutcome.Refused => new ActionReport(action, ActionStatus.Skipped, null, 0, $"the daemon refused (409): {removal.Message}{lost}"),
            RemovalOutcome.Gone => new ActionReport(action, ActionStatus.Skipped, null, 0, "already gone (404)"),
            RemovalOutcome.Stopped => new ActionReport(action, ActionStatus.Interrupted, null, 0,
                $"stopped by {stop.Reason} before its delete{lost}; the image stays"),
            _ => Failed(action, removal.Error!, lost.Length > 0 ? $"after untagging {string.Join(", ", removal.Untagged)}: " : ""),
        };
    }

    private static DateTimeOffset Until(PlannedAction action) =>
        action.Until ?? throw new InvalidOperationException($"{action.Kind} needs an until cut-off");

    private static ActionReport Done(PlannedAction action, long reclaimed, int removed) =>
        new(action, ActionStatus.Done, reclaimed, removed, null);

    /// <summary>A step that did not complete. When the answer was lost rather than refused, the
    /// daemon may have done it anyway, and the line says so.</summary>
    private static ActionReport Failed(PlannedAction action, ApiError error, string prefix = "") =>
        new(action, ActionStatus.Failed, null, null, prefix + error.Message +
            (prefix.StartsWith("not attempted", StringComparison.Ordinal) ? "" : Unknown(error)));

    private static string Unknown(ApiError error) =>
        error.Kind is ApiErrorKind.Unreachable or ApiErrorKind.Timeout or ApiErrorKind.BadResponse
            ? " (whether the daemon carried it out is unknown)"
            : "";
}
