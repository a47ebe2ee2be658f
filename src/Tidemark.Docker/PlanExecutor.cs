using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Docker.Api;

namespace Tidemark.Docker;

/// <summary>
/// Carries out a plan through the daemon, step by step. Before every step it re-reads what is
/// running and re-checks the idle and converge gates: a CI run that starts mid-plan stops the
/// plan. Removal never forces; a 409 or 404 is a skip, not an error.
/// </summary>
/// <param name="images">The snapshot's images by ID: their tags say how to remove them, and the
/// daemon's deletion list mixes images and layers, of which only images are counted.</param>
public sealed class PlanExecutor(DockerClient client, SnapshotReader reader, TimeProvider clock, IReadOnlyDictionary<string, ImageRecord> images)
{
    /// <param name="critical">Critical pressure: the plan removes only images by ID while a run may be
    /// live, so the idle and converge gates are not re-checked; the daemon still refuses images in use.</param>
    public async Task<IReadOnlyList<ActionReport>> ExecuteAsync(
        IReadOnlyList<PlannedAction> actions, SwarmRole role, BusySelector selector, CancellationToken ct, bool critical = false)
    {
        var reports = new List<ActionReport>(actions.Count);
        string? stopReason = null;
        foreach (var action in actions)
        {
            if (stopReason is null && !critical)
            {
                stopReason = await RecheckAsync(role, selector, ct).ConfigureAwait(false);
            }

            if (stopReason is not null)
            {
                reports.Add(new ActionReport(action, ActionStatus.Skipped, null, null, stopReason));
                continue;
            }

            var report = await ExecuteAsync(action, ct).ConfigureAwait(false);
            reports.Add(report);
            if (report.Status == ActionStatus.Failed && report.Message?.StartsWith(Unreachable, StringComparison.Ordinal) == true)
            {
                stopReason = "not attempted: the daemon stopped answering";
            }
        }

        return reports;
    }

    /// <summary>How a failed step's message starts when the daemon stopped answering.</summary>
    public const string Unreachable = "daemon unreachable: ";

    private async Task<string?> RecheckAsync(SwarmRole role, BusySelector selector, CancellationToken ct)
    {
        var activity = await reader.ReadActivityAsync(role, ct).ConfigureAwait(false);
        if (!activity.IsOk)
        {
            return $"not attempted: could not re-check the gates ({activity.Error})";
        }

        var gates = GateSet.Recheck(role, activity.Value.Containers, activity.Value.Services, selector);
        var blocking = gates.Blocking.FirstOrDefault();
        return blocking is null ? null : $"not attempted: gate {blocking.Name} closed before this step: {blocking.Reason}";
    }

    private async Task<ActionReport> ExecuteAsync(PlannedAction action, CancellationToken ct)
    {
        switch (action.Kind)
        {
            case ActionKind.PruneContainers:
                {
                    var r = await client.PruneContainersAsync(Until(action), ct).ConfigureAwait(false);
                    return r.IsOk
                        ? Done(action, r.Value.SpaceReclaimed, r.Value.ContainersDeleted?.Count ?? 0)
                        : Failed(action, r.Error!);
                }

            case ActionKind.PruneDanglingImages:
                {
                    var r = await client.PruneDanglingImagesAsync(Until(action), ct).ConfigureAwait(false);
                    return r.IsOk
                        ? Done(action, r.Value.SpaceReclaimed, ImagesAmong(r.Value.ImagesDeleted))
                        : Failed(action, r.Error!);
                }

            case ActionKind.PruneBuildCache:
                {
                    // The builder's until filter is a duration; express the planned cut-off as one.
                    var unusedFor = clock.GetUtcNow() - Until(action);
                    var r = await client.PruneBuildCacheAsync(unusedFor, ct).ConfigureAwait(false);
                    return r.IsOk
                        ? Done(action, r.Value.SpaceReclaimed, r.Value.CachesDeleted?.Count ?? 0)
                        : Failed(action, r.Error!);
                }

            case ActionKind.RemoveImage:
                return await RemoveImageAsync(action, ct).ConfigureAwait(false);

            default:
                throw new InvalidOperationException($"unknown action kind {action.Kind}");
        }
    }

    private async Task<ActionReport> RemoveImageAsync(PlannedAction action, CancellationToken ct)
    {
        var item = action.Items.Single();
        // Without force the daemon refuses an ID tagged in several repositories: untag all but
        // one repository first (each untag is refused too if a container uses the image).
        if (images.TryGetValue(item.Id, out var image))
        {
            var repositories = image.RepoTags.GroupBy(ImageReference.Repository).ToList();
            foreach (var tag in repositories.Skip(1).SelectMany(g => g))
            {
                var untag = await client.RemoveImageAsync(tag, ct).ConfigureAwait(false);
                if (!untag.IsOk)
                {
                    return Refused(action, untag.Error!);
                }
            }
        }

        var r = await client.RemoveImageAsync(item.Id, ct).ConfigureAwait(false);
        if (r.IsOk)
        {
            // DELETE /images does not say how much it freed: report the plan's figure, and the
            // measured disk change appears in the summary.
            return new ActionReport(action, ActionStatus.Done, action.EstimatedBytes, ImagesAmong(r.Value), null);
        }

        return Refused(action, r.Error!);
    }

    private static ActionReport Refused(PlannedAction action, ApiError error) => error.Kind switch
    {
        ApiErrorKind.Conflict => new ActionReport(action, ActionStatus.Skipped, null, 0,
            $"the daemon refused (409, in use since the plan was made): {error.Message}", InUse: true),
        ApiErrorKind.NotFound => new ActionReport(action, ActionStatus.Skipped, null, 0, "already gone (404)"),
        _ => Failed(action, error),
    };

    private int ImagesAmong(IEnumerable<Models.ImageDeleteItem>? deleted) =>
        deleted?.Count(d => d.Deleted is { } id && images.ContainsKey(id)) ?? 0;

    private static DateTimeOffset Until(PlannedAction action) =>
        action.Until ?? throw new InvalidOperationException($"{action.Kind} needs an until cut-off");

    private static ActionReport Done(PlannedAction action, long reclaimed, int removed) =>
        new(action, ActionStatus.Done, reclaimed, removed, null);

    private static ActionReport Failed(PlannedAction action, ApiError error) =>
        new(action, ActionStatus.Failed, null, null,
            error.Kind is ApiErrorKind.Unreachable or ApiErrorKind.Timeout ? Unreachable + error.Message : error.Message);
}
