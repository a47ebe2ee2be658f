using Tidemark.Core.Configuration;
using Tidemark.Simulation;
using Tidemark.Simulation.Policies;
using static Tidemark.Tests.Simulation.TinyTraces;

namespace Tidemark.Tests.Simulation;

/// <summary>Each policy's downloads on traces small enough to work out by hand.</summary>
public sealed class SimulatorTests
{
    // A, B, C of 50 bytes each on a 100-byte disk, then A and B again.
    private static readonly Tidemark.Simulation.Traces.Trace Cycle = Of(
        Pull(0, Image("a", 50)), Pull(1, Image("b", 50)), Pull(2, Image("c", 50)), Pull(3, Image("a", 50)), Pull(4, Image("b", 50)));

    [Fact]
    public void The_floor_downloads_every_distinct_layer_once()
    {
        var r = PolicySet.Run("floor", Cycle, 100);
        Assert.Equal(150, r.BytesDownloaded);
        Assert.Equal(5, r.Pulls);
        Assert.Equal(2, r.FullHits);
        Assert.Equal(0, r.FailedJobs);
    }

    [Fact]
    public void Belady_evicts_the_layer_needed_furthest_away()
    {
        // At C: a is needed at 3, b at 4, so b goes; A hits; at B, c (never needed) goes: 50 × 4.
        var r = PolicySet.Run("belady", Cycle, 100);
        Assert.Equal(200, r.BytesDownloaded);
        Assert.Equal(1, r.FullHits);
        Assert.Equal(0, r.FailedJobs);
    }

    [Fact]
    public void Docuum_like_evicts_the_least_recently_used_image_after_each_new_one()
    {
        // Over 80 bytes after every second pull: it drops the oldest, so A and B miss again: 50 × 5.
        var r = PolicySet.Run("docuum-like", Cycle, 100);
        Assert.Equal(250, r.BytesDownloaded);
        Assert.Equal(0, r.FullHits);
        Assert.Equal(0, r.FailedJobs);
    }

    [Fact]
    public void A_pull_that_does_not_fit_fails_its_job_and_downloads_nothing()
    {
        // The job stops at its failed pull: the use after it asks for nothing more.
        var trace = Of(Start(0, "r1"), Pull(1, Image("big", 60), "r1"), Use(2, Image("big", 60), "r1"), End(3, "r1"));
        var r = Simulator.Run(trace, 50, new Floor());
        Assert.Equal(0, r.BytesDownloaded);
        Assert.Equal(60, r.FailedPullBytes);
        Assert.Equal(1, r.Pulls);
        Assert.Equal(1, r.FailedJobs);
        Assert.Equal(0, r.PeakDiskBytes);
    }

    [Fact]
    public void A_failed_pull_reports_the_bytes_it_transferred_apart_from_the_downloads()
    {
        // Layers in manifest order: the 30-byte base fits the 50 free bytes, the 40-byte layer is
        // fetched but does not fit once written. Both were transferred; nothing stays on disk.
        var baseLayer = new Tidemark.Simulation.Traces.TraceLayer("sha256:base", 30, 30);
        var image = Image("big", 40, null, baseLayer);
        var trace = Of(Start(0, "r1"), Pull(1, image, "r1"), Use(2, image, "r1"), End(3, "r1"));
        var r = Simulator.Run(trace, 50, new Floor());
        Assert.Equal(0, r.BytesDownloaded);
        Assert.Equal(70, r.FailedPullBytes);
        Assert.Equal(1, r.FailedJobs);
        Assert.Equal(0, r.PeakDiskBytes);
    }

    [Fact]
    public void A_failed_pull_stops_at_the_first_layer_that_does_not_fit()
    {
        // 20 bytes free: the 30-byte base is fetched and fails; the second layer is never asked for.
        var baseLayer = new Tidemark.Simulation.Traces.TraceLayer("sha256:base", 30, 30);
        var trace = Of(Pull(0, Image("filler", 80)), Pull(1, Image("big", 40, null, baseLayer)));
        var r = Simulator.Run(trace, 100, new Floor());
        Assert.Equal(80, r.BytesDownloaded);
        Assert.Equal(30, r.FailedPullBytes);
        Assert.Equal(1, r.FailedJobs);
    }

    [Fact]
    public void A_pull_that_fits_transfers_nothing_as_failed()
    {
        var r = PolicySet.Run("floor", Cycle, 100);
        Assert.Equal(0, r.FailedPullBytes);
    }

    [Fact]
    public void Kubelet_like_counts_full_image_sizes_so_shared_layers_make_it_stop_short()
    {
        // X and Y share a 40-byte base: 95 of 100 bytes used, over 85 %. To reach 80 % it must free
        // 15; removing X "counts" 50 but frees only X's own 10 bytes, so it stops at 85 % and a
        // 16-byte pull no longer fits.
        var baseLayer = new Tidemark.Simulation.Traces.TraceLayer("sha256:base", 40, 40);
        var x = Image("x", 10, null, baseLayer);
        var y = Image("y", 45, null, baseLayer);
        var trace = Of(Pull(0, x), Pull(1, y), Tick(10), Pull(11, Image("z", 16)));
        var r = PolicySet.Run("kubelet-like", trace, 100);
        Assert.Equal(95, r.BytesDownloaded);
        Assert.Equal(1, r.Removals);
        Assert.Equal(1, r.FailedJobs);
    }

    [Fact]
    public void Autoprune_removes_every_unused_image_created_over_a_day_ago_at_midnight()
    {
        var old = Image("old", 10, T0.AddDays(-30));
        var fresh = Image("fresh", 10, T0.AddHours(23));
        // Pulled on day one, pruned at the first tick of day two, pulled again after.
        var trace = Of(Pull(0, old), Pull(1, fresh), Tick(60 * 24), Pull(60 * 24 + 1, old), Pull(60 * 24 + 2, fresh));
        var r = PolicySet.Run("autoprune-daily", trace, 1000);
        Assert.Equal(30, r.BytesDownloaded);
        Assert.Equal(1, r.FullHits);
    }

    [Fact]
    public void Tidemark_in_watch_mode_waits_for_the_run_and_keeps_what_is_used_daily()
    {
        // Disk 100. Yesterday's run used "daily"; "idle" was pulled and never used. Today a run pulls
        // "new" (30): over 80 %, but the run is live; when it ends, Tidemark removes "idle".
        var daily = Image("daily", 30);
        var idle = Image("idle", 30);
        var fresh = Image("new", 30);
        var settings = Settings.Default with { Prune = Settings.Default.Prune with { MinAge = TimeSpan.FromHours(1) } };
        var trace = Of(
            Pull(0, idle), Start(1, "r1"), Pull(2, daily, "r1"), Use(3, daily, "r1"), End(10, "r1"),
            Start(60 * 22, "r2"), Pull(60 * 22 + 1, fresh, "r2"), Use(60 * 22 + 2, fresh, "r2"), End(60 * 22 + 10, "r2"),
            Pull(60 * 23, daily), Pull(60 * 23 + 1, idle));
        var r = Simulator.Run(trace, 100, new TidemarkPolicy("tidemark-watch", settings, TidemarkMode.Watch, TimeSpan.FromMinutes(5)));
        // 30 × 3 first, then idle again: daily was kept.
        Assert.Equal(120, r.BytesDownloaded);
        Assert.Equal(1, r.Removals);
        Assert.Equal(1, r.FullHits);
        Assert.Equal(0, r.FailedJobs);
    }

    [Fact]
    public void Compare_gives_ratios_to_belady_and_floor()
    {
        var results = PolicySet.Compare(Cycle, 100, ["docuum-like", "belady", "floor"]);
        var docuum = results.Single(r => r.Policy == "docuum-like");
        Assert.Equal(250.0 / 200, docuum.RatioToBelady);
        Assert.Equal(250.0 / 150, docuum.RatioToFloor);
        Assert.Equal(1.0, results.Single(r => r.Policy == "floor").RatioToFloor);
    }
}
