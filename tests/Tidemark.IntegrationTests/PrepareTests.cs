using System.Text.Json;
using Tidemark.Cli.Locking;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>`tidemark prepare`: real room made on a tight sandbox disk, real pulls from the sandbox registry.</summary>
public sealed class PrepareTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    private const long MB = 1_000_000;

    /// <summary>In-flight age for these tests: long enough to cover a prepare, short enough to wait out.</summary>
    private const int InFlightSeconds = 8;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Loads an image of one incompressible layer, pushes it as <paramref name="remote"/>, and leaves nothing here.</summary>
    private async Task StageAsync(string remote, long size)
    {
        var unique = Guid.NewGuid().ToString("N")[..8];
        await LoadAsync([FixtureImage.Tagged("prepare/src:1", Now.AddDays(-1), new Layer($"{unique}-app", size) { Incompressible = true })]);
        Docker.Cli("tag", "prepare/src:1", remote);
        Docker.Cli("push", remote);
        Docker.Reset();
    }

    /// <summary>A config whose ledger has met every image (a first run with the disk gate shut), then the in-flight age waited out.</summary>
    private async Task<string> KnownAsync(string prune = "", string sections = "")
    {
        var config = Sandbox.Config($"[prune]\nmin_age = \"{InFlightSeconds}s\"\ncritical_min_age = \"{InFlightSeconds}s\"\n{prune}{QuietDisk}{sections}");
        var first = await Sandbox.TidemarkAsync("run", "--config", config);
        Assert.True(first.ExitCode == 0, first.ToString());
        await Task.Delay(TimeSpan.FromSeconds(InFlightSeconds + 1), Ct);
        return config;
    }

    /// <summary>A use of the image now: a container created and removed (what a CI job does).</summary>
    private void Use(string image)
    {
        var name = "use-" + Guid.NewGuid().ToString("N")[..8];
        Docker.Cli("create", "--network", "none", "--name", name, image, "true");
        Docker.Cli("rm", name);
    }

    private async Task<long> NeededAsync(string config, params string[] images)
    {
        var dry = await Sandbox.TidemarkAsync(["prepare", "--config", config, "--dry-run", "--json", .. images]);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        return dry.Json.GetProperty("room").GetProperty("neededBytes").GetInt64();
    }

    private static Layer Own(string name, long size) => new($"{name}-{Guid.NewGuid():N}", size);

    private static IEnumerable<string> Removed(CliRun run) =>
        run.Json.GetProperty("removals").EnumerateArray().Where(r => r.GetProperty("status").GetString() == "done").Select(r => r.GetProperty("name").GetString()!);

    [Fact]
    public async Task It_makes_room_by_removing_the_least_valuable_images_then_pulls()
    {
        var remote = $"{Sandbox.Registry}/prepare/app-{Guid.NewGuid():N}:2";
        await StageAsync(remote, 40 * MB);
        await LoadAsync([
            FixtureImage.Tagged("ci/oldest:1", Now.AddDays(-30), Own("oldest", 30 * MB)),
            FixtureImage.Tagged("ci/older:1", Now.AddDays(-20), Own("older", 30 * MB)),
            FixtureImage.Tagged("ci/daily:1", Now.AddDays(-1), Own("daily", 30 * MB)),
        ]);
        var config = await KnownAsync();
        Use("ci/daily:1");
        await Task.Delay(TimeSpan.FromSeconds(InFlightSeconds + 1), Ct);

        var needed = await NeededAsync(config, remote);
        // The room rule frees what keeps the disk under the high watermark (99 %: the planner
        // allows up to 98 % of the capacity) after the pull. Leave that headroom plus the pull's
        // need, less 35 MB, whatever the sandbox's size: 35 MB to free, so the two oldest (30 MB
        // each) must go and the one in use each day stays.
        var (_, capacity) = Sandbox.Usage();
        Sandbox.LeaveAvailable(needed + capacity * 2 / 100 - 35 * MB);
        var run = await Sandbox.TidemarkAsync("prepare", "--config", config, "--json", remote);

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json;
        Assert.True(json.GetProperty("room").GetProperty("made").GetBoolean());
        Assert.Equal(["ci/oldest:1", "ci/older:1"], Removed(run));
        var image = json.GetProperty("images").EnumerateArray().Single();
        Assert.Equal("missing", image.GetProperty("state").GetString());
        // The busybox layer every fixture has is here already: the factor is measured on it (or, were it too small, the default).
        Assert.Contains(image.GetProperty("estimate").GetProperty("basis").GetString(), new[] { "layers-here", "default-factor" });
        Assert.True(image.GetProperty("pull").GetProperty("succeeded").GetBoolean());
        Assert.Contains(json.GetProperty("kept").EnumerateArray(), k => k.GetProperty("name").GetString() == "ci/daily:1");
        var tags = Docker.Tags();
        Assert.Contains(remote, tags);
        Assert.Contains("ci/daily:1", tags);
        Assert.DoesNotContain("ci/oldest:1", tags);
        Assert.DoesNotContain("ci/older:1", tags);
        Assert.True(json.GetProperty("ledgerSaved").GetBoolean());

        // Prepared again: it is here and up to date, nothing to remove or pull.
        var again = await Sandbox.TidemarkAsync("prepare", "--config", config, remote);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"prepare: {remote} (argument) present and up to date", again.Stdout, StringComparison.Ordinal);
        Assert.Contains("ready: all 1 images present (0 pulled, 1 already here)", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_a_run_is_live_it_never_removes_a_used_service_named_protected_in_flight_or_requested_image()
    {
        var remote = $"{Sandbox.Registry}/prepare/live-{Guid.NewGuid():N}:1";
        await StageAsync(remote, 40 * MB);
        await LoadAsync([
            FixtureImage.Tagged("ci/job:1", Now.AddDays(-30), Own("job", 20 * MB)),
            FixtureImage.Tagged("ci/done:1", Now.AddDays(-30), Own("done", 20 * MB)),
            FixtureImage.Tagged("ci/reports:1", Now.AddDays(-30), Own("reports", 20 * MB)),
            FixtureImage.Tagged("postgres:16", Now.AddDays(-30), Own("postgres", 20 * MB)),
            FixtureImage.Tagged("ci/flight:1", Now.AddDays(-30), Own("flight", 20 * MB)),
            FixtureImage.Tagged("ci/wanted:1", Now.AddDays(-30), Own("wanted", 20 * MB)),
            FixtureImage.Tagged("ci/free:1", Now.AddDays(-30), Own("free", 20 * MB)),
        ]);
        var config = await KnownAsync("protect = [\"postgres:*\"]\n");
        // The live run: a running job container (labelled busy), a stopped one, a service scaled to 0.
        RunContainer("ci/job:1", "job-1", "--label", "tidemark.busy=1");
        CreateStopped("ci/done:1", "done-1");
        Docker.Cli("service", "create", "-d", "--name", "reports", "--replicas", "0", "ci/reports:1", "sleep", "3600");
        var needed = await NeededAsync(config, remote, "ci/wanted:1");
        var before = Docker.ImageIds();

        // Far too little room: only ci/free:1 (20 MB) may go. Nothing is removed, nothing pulled, exit 73.
        Sandbox.LeaveAvailable(needed - 60 * MB);
        Use("ci/flight:1");
        var refused = await Sandbox.TidemarkAsync("prepare", "--config", config, remote, "ci/wanted:1");

        Assert.True(refused.ExitCode == 73, refused.ToString());
        Assert.Contains("tidemark: cannot make room:", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing removed", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Docker.ImageIds());
        Assert.DoesNotContain(remote, Docker.Tags());
        Assert.Contains("prepare: keep   ci/job:1 (keep: in use by container job-1 (running))", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("prepare: keep   ci/done:1 (keep: held by stopped container done-1", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("prepare: keep   ci/reports:1 (keep: named by service reports, scaled to 0)", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("prepare: keep   postgres:16 (keep: protected (postgres:*))", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains($"prepare: keep   ci/flight:1 (keep: used ", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("prepare: keep   ci/wanted:1 (keep: requested by this prepare (ci/wanted:1))", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("prepare: keep   ci/free:1 (keep: it could go", refused.Stdout, StringComparison.Ordinal);

        // Room that ci/free:1 alone makes: it goes, and only it; the run's images all stay.
        Sandbox.LeaveAvailable(needed - 10 * MB);
        Use("ci/flight:1");
        var run = await Sandbox.TidemarkAsync("prepare", "--config", config, "--json", remote, "ci/wanted:1");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["ci/free:1"], Removed(run));
        var tags = Docker.Tags();
        foreach (var kept in new[] { "ci/job:1", "ci/done:1", "ci/reports:1", "postgres:16", "ci/flight:1", "ci/wanted:1", remote })
        {
            Assert.Contains(kept, tags);
        }

        Assert.DoesNotContain("ci/free:1", tags);
        Assert.Equal("running", Docker.Cli("inspect", "--format", "{{.State.Status}}", "job-1").Trim());
    }

    [Fact]
    public async Task Two_prepares_at_once_queue_and_count_each_others_pulls()
    {
        var first = $"{Sandbox.Registry}/prepare/one-{Guid.NewGuid():N}:1";
        var second = $"{Sandbox.Registry}/prepare/two-{Guid.NewGuid():N}:1";
        await StageAsync(first, 40 * MB);
        await StageAsync(second, 40 * MB);
        await LoadAsync([
            FixtureImage.Tagged("ci/a:1", Now.AddDays(-30), Own("a", 40 * MB)),
            FixtureImage.Tagged("ci/b:1", Now.AddDays(-20), Own("b", 40 * MB)),
            FixtureImage.Tagged("ci/c:1", Now.AddDays(-10), Own("c", 40 * MB)),
            FixtureImage.Tagged("ci/d:1", Now.AddDays(-5), Own("d", 40 * MB)),
        ]);
        var config = await KnownAsync();
        var one = await NeededAsync(config, first);
        var two = await NeededAsync(config, second);
        // Room for one pull and a bit: each alone fits, both together do not.
        Sandbox.LeaveAvailable(Math.Max(one, two) + 20 * MB);

        using var p1 = new TidemarkProcess(Docker.Host, "prepare", "--config", config, "--json", first);
        using var p2 = new TidemarkProcess(Docker.Host, "prepare", "--config", config, "--json", second);
        var code1 = p1.WaitForExit(TimeSpan.FromMinutes(3));
        var code2 = p2.WaitForExit(TimeSpan.FromMinutes(3));

        Assert.True(code1 == 0, p1.Output);
        Assert.True(code2 == 0, p2.Output);
        var tags = Docker.Tags();
        Assert.Contains(first, tags);
        Assert.Contains(second, tags);
        var docs = new[] { JsonDocument.Parse(p1.Stdout).RootElement, JsonDocument.Parse(p2.Stdout).RootElement };
        // Never the same image twice, never a removal that found its image gone: they did not race.
        var removed = docs.SelectMany(d => d.GetProperty("removals").EnumerateArray()).ToList();
        Assert.All(removed, r => Assert.Equal("done", r.GetProperty("status").GetString()));
        Assert.Equal(removed.Count, removed.Select(r => r.GetProperty("id").GetString()).Distinct().Count());
        // One of them waited for the other's queue, or counted the other's pull under way.
        var waited = p1.Stderr.Concat(p2.Stderr).Any(l => l.Contains("waiting up to", StringComparison.Ordinal));
        var counted = docs.Any(d => d.GetProperty("reservations").GetArrayLength() > 0);
        Assert.True(waited || counted, p1.Output + "\n---\n" + p2.Output);
        // Both pulls together needed room: at least one removal. (How many depends on how far the
        // first pull had got when the second planned: a claim counts in full, so it may be more.)
        Assert.NotEmpty(removed);
        Assert.All(docs, d => Assert.True(d.GetProperty("room").GetProperty("made").GetBoolean()));
    }

    [Fact]
    public async Task A_stack_file_prepares_its_services_images()
    {
        var remote = $"{Sandbox.Registry}/prepare/stack-{Guid.NewGuid():N}";
        await StageAsync(remote + ":7", 5 * MB);
        await LoadAsync([FixtureImage.Tagged("ci/db:1", Now.AddDays(-3), Own("db", 5 * MB))]);
        var config = await KnownAsync();
        var stack = Path.Combine(Sandbox.WorkDir, $"stack-{Guid.NewGuid():N}.yml");
        File.WriteAllText(stack, $$"""
            x-common: &common
              restart: always
            services:
              web:
                <<: *common
                image: {{remote}}:${APP_TAG}
              db:
                image: ci/db:1
              builder:
                build: ./builder
            """);

        var run = await Sandbox.TidemarkAsync(new Dictionary<string, string> { ["APP_TAG"] = "7" }, "prepare", "--config", config, "--stack", stack);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"prepare: {remote}:7 (service web in {stack}:6) missing: registry manifest:", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"prepare: ci/db:1 (service db in {stack}:8) present", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("prepare: service builder builds its image (build, no image): nothing to pull for it", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("ready: all 2 images present (1 pulled, 1 already here)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains($"{remote}:7", Docker.Tags());

        var unset = await Sandbox.TidemarkAsync("prepare", "--config", config, "--stack", stack);
        Assert.True(unset.ExitCode == 65, unset.ToString());
        Assert.Contains($"{stack}:6: service web: image '{remote}:${{APP_TAG}}': variable APP_TAG is not set", unset.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Beside_a_watch_it_acts_without_the_run_lock_and_behind_a_run_it_waits_then_gives_up()
    {
        var remote = $"{Sandbox.Registry}/prepare/watch-{Guid.NewGuid():N}:1";
        await StageAsync(remote, 5 * MB);
        var config = await KnownAsync();
        var lockPath = Path.Combine(Path.GetDirectoryName(config)!, "tidemark.lock");
        var ledgerPath = Path.Combine(Path.GetDirectoryName(config)!, "ledger.json");

        var (run, failure) = RunLock.TryAcquire(lockPath, "run");
        Assert.Null(failure);
        using (run)
        {
            var blocked = await Sandbox.TidemarkAsync("prepare", "--config", config, "--wait", "1s", remote);
            Assert.True(blocked.ExitCode == 75, blocked.ToString());
            Assert.Contains("waiting up to 1s for the run lock", blocked.Stderr, StringComparison.Ordinal);
            Assert.Contains("still holds the lock", blocked.Stderr, StringComparison.Ordinal);
        }

        var ledgerBefore = File.ReadAllText(ledgerPath);
        var (watch, watchFailure) = RunLock.TryAcquire(lockPath, "watch");
        Assert.Null(watchFailure);
        using (watch)
        {
            var beside = await Sandbox.TidemarkAsync("prepare", "--config", config, "--json", "--wait", "5s", remote);
            Assert.True(beside.ExitCode == 0, beside.ToString());
            Assert.Contains("tidemark watch", beside.Json.GetProperty("besideWatch").GetString(), StringComparison.Ordinal);
            Assert.False(beside.Json.GetProperty("ledgerSaved").GetBoolean());
            Assert.Equal(ledgerBefore, File.ReadAllText(ledgerPath));
        }

        Assert.Contains(remote, Docker.Tags());
    }

    [Fact]
    public async Task A_missing_image_fails_before_anything_is_removed()
    {
        await LoadAsync([FixtureImage.Tagged("ci/old:1", Now.AddDays(-30), Own("old", 10 * MB))]);
        var config = await KnownAsync();
        Sandbox.LeaveAvailable(1 * MB);

        var run = await Sandbox.TidemarkAsync("prepare", "--config", config, $"{Sandbox.Registry}/prepare/never-pushed:1");

        Assert.True(run.ExitCode == 66, run.ToString());
        Assert.Contains("not found", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing removed", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("ci/old:1", Docker.Tags());
    }
}
