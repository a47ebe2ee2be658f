using System.Text.RegularExpressions;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>
/// Invariants that once broke on the real daemon (issue 7): a service's image pinned by digest
/// alone, and an image with two tags in one repository.
/// </summary>
public sealed class InvariantTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    private static readonly Layer Base = new("inv-base", 3_000_000);

    private static string Registry => Environment.GetEnvironmentVariable("TIDEMARK_SANDBOX_REGISTRY") ?? "127.0.0.1:5000";

    private string PullByDigestOnly(string tag) => Docker.PullByDigestOnly(tag, Registry);

    [Fact]
    public async Task A_service_image_present_only_by_digest_survives_stage_1()
    {
        var ids = await LoadAsync([
            FixtureImage.Tagged("inv/pinned:1", Now.AddDays(-10), Base, new Layer("inv-pinned", 2_000_000)),
            FixtureImage.Dangling(Now.AddDays(-10), Base, new Layer("inv-old-build", 2_000_000)),
        ]);
        var digest = PullByDigestOnly("inv/pinned:1");
        Assert.Empty(Docker.Lines("image", "inspect", "--format", "{{range .RepoTags}}{{.}}{{end}}", ids[0]));
        Docker.Cli("service", "create", "-d", "--name", "pinned", "--replicas", "0", "--no-resolve-image", digest, "sleep", "3600");
        Sandbox.FillTo(82);

        var run = await Sandbox.TidemarkAsync("run", "--json", "--config", Sandbox.Config("[prune]\nmin_age = \"1h\"\nstage2 = false\n"));

        Assert.Equal(0, run.ExitCode);
        var after = Docker.ImageIds();
        Assert.Contains(ids[0], after);
        Assert.DoesNotContain(ids[1], after);
        Assert.DoesNotContain(run.Actions, a => a.GetProperty("kind").GetString() == "dangling-images");
        var removal = Assert.Single(run.Actions);
        Assert.Equal("done", removal.GetProperty("status").GetString());
        Assert.Contains("named by service pinned, scaled to 0", removal.GetProperty("target").GetString());
    }

    [Fact]
    public async Task A_service_created_while_the_run_rechecks_keeps_its_digest_only_image()
    {
        // Review of issue 7: the re-check before the prune endpoint saw the new service and fell
        // back to removals by ID — of every planned image, the one the service now names included.
        var ids = await LoadAsync([
            FixtureImage.Tagged("inv/late:1", Now.AddDays(-10), Base, new Layer("inv-late", 2_000_000)),
            FixtureImage.Dangling(Now.AddDays(-10), Base, new Layer("inv-late-other", 2_000_000)),
        ]);
        var digest = PullByDigestOnly("inv/late:1");
        Sandbox.FillTo(82);
        await using var proxy = FaultProxy.Start(Docker.SocketPath, Path.Combine(Sandbox.WorkDir, $"proxy-{Guid.NewGuid():N}.sock"));
        proxy.Add(new FaultRule(Fault.Delay(TimeSpan.FromSeconds(6))) { Method = "GET", Path = new Regex("^/containers/json$"), Skip = 1, Times = 1 });

        var running = Sandbox.TidemarkAsync(new Dictionary<string, string> { ["DOCKER_HOST"] = proxy.Host },
            "run", "--json", "--config", Sandbox.Config("[prune]\nmin_age = \"1h\"\nstage2 = false\n"));
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        Docker.Cli("service", "create", "-d", "--name", "late", "--replicas", "0", "--no-resolve-image", digest, "sleep", "3600");
        var run = await running;

        Assert.True(run.ExitCode == 0, run.ToString());
        var after = Docker.ImageIds();
        Assert.Contains(ids[0], after);
        Assert.DoesNotContain(ids[1], after);
        Assert.Contains("named by service late", Assert.Single(run.Actions).GetProperty("message").GetString());
    }
}
