using Tidemark.Core.Configuration;
using Tidemark.Simulation;
using Tidemark.Simulation.Traces;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Simulation;

/// <summary>Issue 11: `tidemark-prepare` in the simulator — room made at run start with the production room planner.</summary>
public sealed class SimulatedPrepareTests
{
    private static TraceImage Image(string name, long size) =>
        new($"sha256:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))}",
            $"ci/{name}:1", Scene.Now.AddDays(-30), [new TraceLayer("sha256:l" + name, size / 2, size)]);

    /// <summary>
    /// Runs of one image each on a disk of 100: four apps of 30 take turns, so a run always needs
    /// an image the disk no longer holds. Runs follow each other closely: watch reacts after a
    /// pull, prepare before it.
    /// </summary>
    private static Trace Turns()
    {
        var apps = new[] { "a", "b", "c", "d" }.Select(n => Image(n, 30)).ToList();
        var events = new List<TraceEvent>();
        var t = Scene.Now;
        for (var i = 0; i < 40; i++)
        {
            var run = $"r{i:D3}";
            var image = apps[i % apps.Count];
            events.Add(new TraceEvent(t, TraceKind.RunStart, Run: run, Stack: run + "_ci_app"));
            events.Add(new TraceEvent(t.AddSeconds(5), TraceKind.Pull, image, run));
            events.Add(new TraceEvent(t.AddSeconds(10), TraceKind.Use, image, run));
            events.Add(new TraceEvent(t.AddMinutes(5), TraceKind.RunEnd, Run: run, Stack: run + "_ci_app"));
            t = t.AddHours(2);
        }

        return new Trace(events, 100, "turns");
    }

    [Fact]
    public void Prepare_makes_room_before_the_pull_where_watch_alone_lets_jobs_fail()
    {
        // Watermarks that never trigger (100 %): only prepare makes room, before each run's pull.
        var settings = Settings.Default with
        {
            Disk = Settings.Default.Disk with { HighWatermarkPercent = 100, LowWatermarkPercent = 99, CriticalWatermarkPercent = 100 },
            Prune = Settings.Default.Prune with { MinAge = TimeSpan.FromMinutes(30), CriticalMinAge = TimeSpan.FromMinutes(10) },
        };
        var trace = Turns();

        var watch = PolicySet.Run("tidemark-watch", trace, 100, settings);
        var prepare = PolicySet.Run("tidemark-prepare", trace, 100, settings);

        Assert.True(watch.FailedJobs > 0, "the trace needs room made: watch alone at 100 % lets pulls fail");
        Assert.Equal(0, prepare.FailedJobs);
        Assert.True(prepare.Removals > 0);
    }

    [Fact]
    public void Prepare_is_never_worse_than_watch_alone_on_the_same_trace()
    {
        var trace = Turns();

        var watch = PolicySet.Run("tidemark-watch", trace, 100);
        var prepare = PolicySet.Run("tidemark-prepare", trace, 100);

        Assert.True(prepare.FailedJobs <= watch.FailedJobs, $"prepare failed {prepare.FailedJobs}, watch {watch.FailedJobs}");
        Assert.True(prepare.BytesDownloaded <= watch.BytesDownloaded || prepare.FailedJobs < watch.FailedJobs,
            $"prepare {prepare.BytesDownloaded} B, watch {watch.BytesDownloaded} B");
    }
}
