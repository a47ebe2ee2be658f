using Tidemark.Core.Configuration;

namespace Tidemark.Core.Planning;

/// <summary>
/// Furthest predicted next use first: a learned approximation of Belady's rule. CI hosts live by
/// the day — a nightly sweep, working hours — so the prediction assumes tomorrow repeats today:
/// every use of the image, or of any version of its repository, in the last two days is carried
/// forward to the same time of day after now, and the earliest of those is the predicted next use
/// (a slot that passed less than two hours ago without a use since counts as due now: sweeps run
/// late).
/// An image with no use in two days is predicted after all of those, the longest idle first (so
/// among such images the order is LRU); a version superseded by a newer one (its repository has
/// since been used as another image) after everything else: old versions are rarely used again. An image a nightly sweep has just passed over is predicted a day away and
/// goes first, while images used through the day stay — where recency does the opposite.
/// </summary>
public sealed class PredictedReuse : IEvictionOrder
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly TimeSpan Horizon = TimeSpan.FromDays(2);

    /// <summary>A daily slot passed by less than this, and not yet served today, is late rather than a day away: schedules drift.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromHours(2);

    /// <summary>Superseded versions are put beyond every other image: a year, plus their idle time.</summary>
    private static readonly TimeSpan Superseded = TimeSpan.FromDays(365);

    public static PredictedReuse Instance { get; } = new();

    public string Name => "predicted-reuse";

    public double Score(CandidateFacts c) => -NextUse(c).UtcTicks;

    public string Describe(CandidateFacts c)
    {
        if (c.Superseded)
        {
            return $"{EvictionOrders.LastUse(c)}; a newer version has been used in its place";
        }

        // With no use of the image or its repository there is nothing to predict from: say so,
        // and what the order does instead.
        if (c.Uses.Count == 0)
        {
            return $"{EvictionOrders.LastUse(c)}, so no next use can be predicted: it goes before images in daily use, the longest idle first";
        }

        // Uses older than the horizon predict nothing either: the order is idle time then.
        return c.Uses[^1] < c.Now - Horizon
            ? $"{EvictionOrders.LastUse(c)}, no use in the last {DurationText.Format(Horizon)}: it goes before images in daily use, the longest idle first"
            : $"{EvictionOrders.LastUse(c)}, next use expected in {DurationText.Approximate(NextUse(c) - c.Now)}";
    }

    public static DateTimeOffset NextUse(CandidateFacts c)
    {
        var idle = c.Now - c.LastUsed;
        if (c.Superseded)
        {
            return c.Now + Superseded + idle;
        }

        DateTimeOffset? best = null;
        var servedToday = c.Uses.Count > 0 && c.Now - c.Uses[^1] < Day - Slack;
        foreach (var use in c.Uses)
        {
            var age = c.Now - use;
            if (age > Horizon || age < TimeSpan.Zero)
            {
                continue;
            }

            // The same time of day, on the first day after now; or now, if yesterday's slot passed
            // only just and nothing has used the image since (the sweep runs late tonight).
            var intoDay = TimeSpan.FromTicks(age.Ticks % Day.Ticks);
            var late = !servedToday && age >= Day && intoDay <= Slack;
            var projected = late ? c.Now : c.Now + (Day - intoDay);
            if (best is null || projected < best)
            {
                best = projected;
            }
        }

        // Not in daily use: after every image that is, the longest idle first (LRU among them).
        return best ?? c.Now + Day + idle;
    }
}
