using Tidemark.Fixtures;
using Tidemark.Simulation;
using Tidemark.Simulation.Traces;

namespace Tidemark.IntegrationTests;

/// <summary>`watch --record`: a real host's history as a trace the simulator replays.</summary>
public sealed class RecordTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    [Fact]
    public async Task Watch_records_runs_uses_and_pulls_as_a_replayable_trace()
    {
        await LoadAsync([FixtureImage.Tagged("ci/job:1", Now.AddDays(-3), new Layer("record-job", 1_000_000))]);
        var registry = Environment.GetEnvironmentVariable("TIDEMARK_SANDBOX_REGISTRY") ?? "127.0.0.1:5000";
        Docker.Cli("tag", "ci/job:1", $"{registry}/ci/pulled:1");
        Docker.Cli("push", $"{registry}/ci/pulled:1");
        Docker.Cli("rmi", $"{registry}/ci/pulled:1");
        var config = Sandbox.Config(QuietDisk);
        var trace = Path.Combine(Path.GetDirectoryName(config)!, "host.jsonl");

        using (var watch = new TidemarkProcess(Docker.Host, "watch", "--config", config, "--record", trace))
        {
            watch.WaitFor("result: blocked by disk", TimeSpan.FromSeconds(60));
            Docker.Cli("run", "--rm", "--network", "none", "--label", "tidemark.busy=1", "--name", "ci-run-7", "ci/job:1", "true");
            Docker.Cli("pull", $"{registry}/ci/pulled:1");
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
            Assert.Equal(0, watch.Terminate(TimeSpan.FromSeconds(60)));
        }

        var (parsed, error) = TraceFormat.Parse(File.ReadLines(trace));
        Assert.Null(error);
        var kinds = parsed!.Events.Select(e => e.Kind).ToList();
        Assert.Contains(TraceKind.Tick, kinds);
        var start = parsed.Events.Single(e => e.Kind == TraceKind.RunStart);
        Assert.Equal("ci-run-7", start.Run);
        var use = parsed.Events.Single(e => e.Kind == TraceKind.Use);
        Assert.Equal("ci-run-7", use.Run);
        Assert.Equal("ci/job:1", use.Image!.Reference);
        Assert.True(use.Image.Size > 1_000_000);
        Assert.Contains(parsed.Events, e => e.Kind == TraceKind.RunEnd && e.Run == "ci-run-7");
        Assert.Contains(parsed.Events, e => e.Kind == TraceKind.Pull && e.Image!.Reference == $"{registry}/ci/pulled:1");
        Assert.True(parsed.DiskBytes > 1_000_000_000);

        var results = PolicySet.Compare(parsed, parsed.DiskBytes!.Value);
        Assert.All(results, r => Assert.Equal(0, r.FailedJobs));
    }
}
