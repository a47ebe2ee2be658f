using Tidemark.Core.Ledger;
using Tidemark.Docker.Api;

namespace Tidemark.Docker;

public sealed record ReplayResult(int Events, int Uses, string? Warning);

/// <summary>
/// One-shot mode's catch-up: the daemon's buffered events since the ledger's last one, applied
/// to the ledger. The daemon keeps only its last 256 events, so a long gap may have lost uses;
/// that is said, not hidden.
/// </summary>
public static class EventReplay
{
    /// <summary>moby's events buffer holds this many; a full replay may have lost older ones.</summary>
    public const int DaemonBuffer = 256;

    public static async Task<ApiResult<ReplayResult>> RunAsync(
        DockerClient client, UsageLedger ledger, ImageResolver images, DateTimeOffset now, CancellationToken ct)
    {
        if (ledger.EventsSeenUntil is not { } since)
        {
            ledger.MarkEventsSeen(now);
            ledger.EventsCoveredSince = now;
            return ApiResult<ReplayResult>.Ok(new ReplayResult(0, 0,
                "no usage history yet: every image counts as used now, and uses are recorded from here on"));
        }

        if (since >= now)
        {
            // Nothing can have happened since (or the clocks disagree a little): the daemon would
            // refuse a since after its until.
            return ApiResult<ReplayResult>.Ok(new ReplayResult(0, 0, null));
        }

        // A ledger from before coverage was kept: complete from here on, unless the replay overflows.
        ledger.EventsCoveredSince ??= since;
        var events = 0;
        var uses = 0;
        DateTimeOffset? first = null;
        await foreach (var item in client.StreamEventsAsync(since, now, ct).ConfigureAwait(false))
        {
            if (!item.IsOk)
            {
                return item.Error!;
            }

            events++;
            var time = EventMapping.TimeOf(item.Value);
            first ??= time;
            // The daemon's since is inclusive: the event at the boundary was applied last time.
            if (time <= since)
            {
                continue;
            }

            if (EventMapping.ToUsage(item.Value, images) is { } use)
            {
                ledger.Apply(use);
                uses++;
            }

            // Progress is kept as it goes: a replay cut short is not applied twice next time.
            ledger.MarkEventsSeen(time);
        }

        ledger.MarkEventsSeen(now);
        string? warning = null;
        if (events >= DaemonBuffer)
        {
            ledger.EventsCoveredSince = first;
            warning = $"replayed {events} events since {since:u}, as many as the daemon keeps: uses before {first:u} may be missing, so images of stopped containers created before then count as used now (run more often, or use watch mode)";
        }

        return ApiResult<ReplayResult>.Ok(new ReplayResult(events, uses, warning));
    }
}
