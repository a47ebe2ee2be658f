using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>
/// Stage 1 on the real daemon: what goes (old dangling images, old stopped containers, old build
/// cache) and what always stays (tagged images, images in use, volumes and their data).
/// </summary>
public sealed class Stage1Tests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    private static readonly Layer Base = new("it-base", 4_000_000);

    [Fact]
    public async Task Run_under_pressure_removes_exactly_the_old_dangling_images_and_keeps_everything_else()
    {
        var ids = await LoadAsync([
            FixtureImage.Tagged("ci/web:1", Now.AddDays(-40), Base, new Layer("web-1", 3_000_000)),
            FixtureImage.Tagged("postgres:16", Now.AddDays(-90), Base, new Layer("pg-16", 3_000_000)),
            FixtureImage.Dangling(Now.AddDays(-10), Base, new Layer("web-0.8", 5_000_000)),
            FixtureImage.Dangling(Now.AddDays(-12), Base, new Layer("web-0.9", 6_000_000)),
            FixtureImage.Dangling(Now.AddHours(-1), Base, new Layer("web-1.1-rc", 2_000_000)),
            FixtureImage.Dangling(Now.AddDays(-10), Base, new Layer("in-use", 2_000_000)),
            FixtureImage.Dangling(Now.AddDays(-10), Base, new Layer("stopped-user", 2_000_000)),
        ]);
        var (oldDangling1, oldDangling2, youngDangling, inUse, usedByStopped) = (ids[2], ids[3], ids[4], ids[5], ids[6]);
        RunContainer(inUse, "long-runner");
        CreateStopped(usedByStopped, "recent-job");
        Docker.Cli("run", "--rm", "--network", "none", "-v", "precious:/data", "ci/web:1", "sh", "-c", "echo warm-cache-data > /data/file");
        var tagsBefore = Docker.Tags();
        Sandbox.FillTo(82);

        var run = await Sandbox.TidemarkAsync("run", "--json", "--config", Sandbox.Config(""));

        Assert.Equal(0, run.ExitCode);
        Assert.True(run.Json.GetProperty("allowed").GetBoolean(), run.ToString());
        var action = Assert.Single(run.Actions);
        Assert.Equal("dangling-images", action.GetProperty("kind").GetString());
        Assert.Equal("done", action.GetProperty("status").GetString());
        Assert.Equal(2, action.GetProperty("removed").GetInt32());
        // Each removed image frees its own top layer (5 and 6 MB); the daemon's figure says so.
        Assert.InRange(action.GetProperty("reclaimedBytes").GetInt64(), 10_000_000, 12_000_000);
        Assert.Equal(action.GetProperty("reclaimedBytes").GetInt64(), run.Json.GetProperty("reclaimedBytes").GetInt64());

        var after = Docker.ImageIds();
        Assert.DoesNotContain(oldDangling1, after);
        Assert.DoesNotContain(oldDangling2, after);
        Assert.Contains(youngDangling, after);
        Assert.Contains(inUse, after);
        Assert.Contains(usedByStopped, after);
        Assert.Equal(tagsBefore, Docker.Tags());
        Assert.Equal(["long-runner", "recent-job"], Docker.Lines("ps", "-a", "--format", "{{.Names}}").Order());
        Assert.Equal("warm-cache-data", Docker.Cli("run", "--rm", "--network", "none", "-v", "precious:/data", "ci/web:1", "cat", "/data/file"));
    }

    [Fact]
    public async Task Run_removes_old_stopped_containers_and_old_build_cache_but_not_young_or_running_ones()
    {
        await LoadAsync([FixtureImage.Tagged("ci/job:1", Now.AddDays(-5), Base)]);
        CreateStopped("ci/job:1", "old-job-1");
        CreateStopped("ci/job:1", "old-job-2");
        var oldBuild = BuildContext("old-build", 3_000_000);
        Docker.BuildKit(oldBuild, "ci/built:old");
        var cacheBefore = await BuildCacheIds();
        Assert.NotEmpty(cacheBefore);

        await Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        CreateStopped("ci/job:1", "young-job");
        RunContainer("ci/job:1", "old-enough-but-running");
        Docker.BuildKit(BuildContext("young-build", 2_000_000), "ci/built:young");
        var youngCache = (await BuildCacheIds()).Except(cacheBefore).ToList();
        Assert.NotEmpty(youngCache);
        Sandbox.FillTo(82);

        var run = await Sandbox.TidemarkAsync("run", "--json", "--config", Sandbox.Config("[prune]\nmin_age = \"8s\"\n"));

        Assert.Equal(0, run.ExitCode);
        var containers = run.Actions.Single(a => a.GetProperty("kind").GetString() == "containers");
        Assert.Equal("done", containers.GetProperty("status").GetString());
        Assert.Equal(2, containers.GetProperty("removed").GetInt32());
        var cache = run.Actions.Single(a => a.GetProperty("kind").GetString() == "build-cache");
        Assert.Equal("done", cache.GetProperty("status").GetString());
        Assert.True(cache.GetProperty("reclaimedBytes").GetInt64() >= 3_000_000, run.ToString());

        Assert.Equal(["old-enough-but-running", "young-job"], Docker.Lines("ps", "-a", "--format", "{{.Names}}").Order());
        var cacheAfter = await BuildCacheIds();
        Assert.All(youngCache, id => Assert.Contains(id, cacheAfter));
        Assert.Contains("ci/built:old", Docker.Tags());
        Assert.Contains("ci/built:young", Docker.Tags());
    }

    [Fact]
    public async Task Plan_and_dry_run_remove_nothing_that_a_real_run_then_removes()
    {
        await LoadAsync([
            FixtureImage.Tagged("ci/job:1", Now.AddDays(-5), Base),
            FixtureImage.Dangling(Now.AddDays(-10), Base, new Layer("old-build", 3_000_000)),
        ]);
        CreateStopped("ci/job:1", "old-job");
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        Sandbox.FillTo(82);
        var config = Sandbox.Config("[prune]\nmin_age = \"2s\"\n");
        var images = Docker.ImageIds();
        var containers = Docker.Lines("ps", "-a", "-q");

        var plan = await Sandbox.TidemarkAsync("plan", "--json", "--config", config);
        Assert.Equal(["containers", "dangling-images"], plan.Actions.Select(a => a.GetProperty("kind").GetString()));
        Assert.All(plan.Actions, a => Assert.Equal("planned", a.GetProperty("status").GetString()));
        Assert.Equal(images, Docker.ImageIds());
        Assert.Equal(containers, Docker.Lines("ps", "-a", "-q"));

        var dry = await Sandbox.TidemarkAsync("run", "--dry-run", "--json", "--config", config);
        Assert.True(dry.Json.GetProperty("dryRun").GetBoolean());
        Assert.Equal(2, dry.Actions.Count);
        Assert.Equal(0, dry.Json.GetProperty("reclaimedBytes").GetInt64());
        Assert.Equal(images, Docker.ImageIds());
        Assert.Equal(containers, Docker.Lines("ps", "-a", "-q"));

        var real = await Sandbox.TidemarkAsync("run", "--json", "--config", config);
        Assert.All(real.Actions, a => Assert.Equal("done", a.GetProperty("status").GetString()));
        Assert.Empty(Docker.Lines("ps", "-a", "-q"));
        Assert.Equal(images.Count - 1, Docker.ImageIds().Count);
    }

    [Fact]
    public async Task A_live_run_stack_blocks_the_run_and_nothing_is_removed()
    {
        await LoadAsync([
            FixtureImage.Tagged("ci/app:1", Now.AddDays(-5), Base),
            FixtureImage.Dangling(Now.AddDays(-10), Base, new Layer("old-build", 3_000_000)),
        ]);
        var compose = Path.Combine(Sandbox.WorkDir, "stack.yml");
        File.WriteAllText(compose, "version: \"3.8\"\nservices:\n  app:\n    image: ci/app:1\n    command: [\"sleep\", \"3600\"]\n");
        Docker.Cli("stack", "deploy", "-c", compose, "zz99-abcdef_ci_web");
        // Once converged only the idle gate holds: the run is what blocks, not the deploy.
        FixtureDocker.WaitUntil(() => Docker.Lines("ps", "-q").Count == 1, TimeSpan.FromSeconds(30));
        Sandbox.FillTo(82);
        var images = Docker.ImageIds();

        var run = await Sandbox.TidemarkAsync("run", "--json", "--config",
            Sandbox.Config("[busy]\nstack_patterns = ['^[a-z0-9]{1,4}-[0-9a-f]{6}_ci_']\n"));

        Assert.Equal(0, run.ExitCode);
        Assert.False(run.Json.GetProperty("allowed").GetBoolean());
        Assert.False(run.Gate("idle").GetProperty("passed").GetBoolean());
        Assert.Empty(run.Actions);
        Assert.StartsWith("blocked by idle: nothing removed; disk ", run.Json.GetProperty("summary").GetString());
        Assert.Equal(images, Docker.ImageIds());
    }

    [Fact]
    public async Task A_protected_dangling_image_survives_while_the_other_old_ones_go()
    {
        var ids = await LoadAsync([
            FixtureImage.Tagged("vendor/keep:1", Now.AddDays(-10), Base, new Layer("keep-me", 2_000_000)),
            FixtureImage.Dangling(Now.AddDays(-10), Base, new Layer("drop-me", 2_000_000)),
        ]);
        // An untagged image that still carries a digest reference, as `docker pull name@sha256:…` leaves one.
        Docker.PullByDigestOnly("vendor/keep:1", Environment.GetEnvironmentVariable("TIDEMARK_SANDBOX_REGISTRY") ?? "127.0.0.1:5000");
        Assert.Contains(ids[0], Docker.ImageIds());
        Sandbox.FillTo(82);

        var run = await Sandbox.TidemarkAsync("run", "--json", "--config", Sandbox.Config("[prune]\nprotect = [\"*/vendor/keep@*\"]\n"));

        var removal = Assert.Single(run.Actions);
        Assert.Equal("image", removal.GetProperty("kind").GetString());
        Assert.Equal("done", removal.GetProperty("status").GetString());
        Assert.Equal(1, removal.GetProperty("removed").GetInt32());
        var after = Docker.ImageIds();
        Assert.Contains(ids[0], after);
        Assert.DoesNotContain(ids[1], after);
    }

    private string BuildContext(string name, int bytes)
    {
        var dir = Directory.CreateDirectory(Path.Combine(Sandbox.WorkDir, $"{name}-{Guid.NewGuid():N}")).FullName;
        var data = new byte[bytes];
        Random.Shared.NextBytes(data);
        File.WriteAllBytes(Path.Combine(dir, "payload.bin"), data);
        File.WriteAllText(Path.Combine(dir, "Dockerfile"), "FROM scratch\nCOPY payload.bin /payload.bin\n");
        return dir;
    }

    private async Task<HashSet<string>> BuildCacheIds()
    {
        var df = await Docker.ApiAsync("system/df", TestContext.Current.CancellationToken);
        return df.GetProperty("BuildCache").EnumerateArray().Select(b => b.GetProperty("ID").GetString()!).ToHashSet();
    }
}
