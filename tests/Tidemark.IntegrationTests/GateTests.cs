using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>Each gate blocking and passing on the real daemon.</summary>
public sealed class GateTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    private const string SeedStack = "^[a-z0-9]{1,4}-[0-9a-f]{6}_ci_";

    [Fact]
    public async Task Disk_gate_blocks_below_the_watermark_and_names_the_data_root()
    {
        var run = await Sandbox.TidemarkAsync("plan", "--json", "--config", Sandbox.Config(""));

        Assert.Equal(0, run.ExitCode);
        var disk = run.Gate("disk");
        Assert.False(disk.GetProperty("passed").GetBoolean());
        var used = run.Json.GetProperty("disk").GetProperty("usedPercent").GetInt32();
        Assert.Equal($"disk {Sandbox.DataRoot} at {used}% (< 80%): keeping local image cache, nothing to do",
            disk.GetProperty("reason").GetString());
        Assert.Equal(Sandbox.DataRoot, run.Json.GetProperty("disk").GetProperty("path").GetString());
        Assert.False(run.Json.GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task Disk_gate_passes_under_real_pressure_on_the_data_root()
    {
        Sandbox.FillTo(82);
        var run = await Sandbox.TidemarkAsync("plan", "--json", "--config", Sandbox.Config(""));

        var disk = run.Gate("disk");
        Assert.True(disk.GetProperty("passed").GetBoolean(), run.ToString());
        Assert.InRange(run.Json.GetProperty("disk").GetProperty("usedPercent").GetInt32(), 80, 100);
        Assert.True(run.Json.GetProperty("allowed").GetBoolean(), run.ToString());
    }

    [Fact]
    public async Task Idle_gate_blocks_while_a_run_stack_is_deployed_and_passes_once_it_is_gone()
    {
        await LoadAsync([FixtureImage.Tagged("ci/app:1", Now.AddDays(-3), new Layer("app", 1_000_000))]);
        var compose = Path.Combine(Sandbox.WorkDir, "run-stack.yml");
        File.WriteAllText(compose, """
            version: "3.8"
            services:
              app:
                image: ci/app:1
                command: ["sleep", "3600"]
            """);
        Docker.Cli("stack", "deploy", "-c", compose, "ab12-0f3a9c_ci_demo");
        var config = Sandbox.Config($"[busy]\nstack_patterns = ['{SeedStack}']\n");

        var blocked = await Sandbox.TidemarkAsync("plan", "--json", "--config", config);
        var idle = blocked.Gate("idle");
        Assert.False(idle.GetProperty("passed").GetBoolean(), blocked.ToString());
        Assert.Contains($"stack ab12-0f3a9c_ci_demo (matches {SeedStack})", idle.GetProperty("reason").GetString());

        // The daemon may refuse to drop the stack's network while the task is still stopping
        // ("in use by task"): the service goes anyway, and a network plays no part in the gate.
        Docker.TryCli("stack", "rm", "ab12-0f3a9c_ci_demo");
        FixtureDocker.WaitUntil(() => Docker.Lines("ps", "-q").Count == 0 && Docker.Lines("service", "ls", "-q").Count == 0, TimeSpan.FromSeconds(30));
        var passed = await Sandbox.TidemarkAsync("plan", "--json", "--config", config);
        Assert.True(passed.Gate("idle").GetProperty("passed").GetBoolean(), passed.ToString());
    }

    [Fact]
    public async Task Idle_gate_blocks_on_a_container_carrying_the_busy_label()
    {
        await LoadAsync([FixtureImage.Tagged("ci/runner:1", Now.AddDays(-3))]);
        RunContainer("ci/runner:1", "job-42", "--label", "tidemark.busy=1");

        var run = await Sandbox.TidemarkAsync("plan", "--json", "--config", Sandbox.Config(""));
        var idle = run.Gate("idle");
        Assert.False(idle.GetProperty("passed").GetBoolean());
        Assert.Contains("container job-42 (label tidemark.busy)", idle.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Converge_gate_blocks_while_a_service_cannot_reach_its_replicas()
    {
        // The image is not on the host and there is no registry to pull it from: the task never
        // starts, as with a deploy whose pull is still in flight.
        Docker.Cli("service", "create", "-d", "--name", "pulling", "127.0.0.1:9/none/such:1", "sleep", "3600");

        var run = await Sandbox.TidemarkAsync("plan", "--json", "--config", Sandbox.Config(""));
        var converge = run.Gate("converge");
        Assert.False(converge.GetProperty("passed").GetBoolean(), run.ToString());
        Assert.Contains("service pulling has 0/1 tasks running", converge.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Converge_gate_passes_when_every_service_is_converged()
    {
        await LoadAsync([FixtureImage.Tagged("ci/svc:1", Now.AddDays(-3))]);
        Docker.Cli("service", "create", "-d", "--name", "steady", "ci/svc:1", "sleep", "3600");
        Docker.Cli("service", "create", "-d", "--name", "parked", "--replicas", "0", "ci/svc:1", "sleep", "3600");
        FixtureDocker.WaitUntil(() => Docker.Cli("service", "ls", "--filter", "name=steady", "--format", "{{.Replicas}}") == "1/1",
            TimeSpan.FromSeconds(30));

        var run = await Sandbox.TidemarkAsync("plan", "--json", "--config", Sandbox.Config(""));
        var converge = run.Gate("converge");
        Assert.True(converge.GetProperty("passed").GetBoolean(), run.ToString());
        Assert.Equal("swarm: all 2 services have converged", converge.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_service_that_can_never_converge_stops_holding_the_gate_after_max_wait()
    {
        // Issue 8: an image that does not exist kept every prune blocked until critical pressure.
        Docker.Cli("service", "create", "-d", "--name", "never", "--no-resolve-image", "--replicas", "1",
            "127.0.0.1:1/does-not/exist:1", "sleep", "3600");
        Sandbox.FillTo(82);
        var config = Sandbox.Config("[converge]\nmax_wait = \"8s\"\n");

        var early = await Sandbox.TidemarkAsync("plan", "--json", "--config", config);
        var gate = early.Gate("converge");
        Assert.False(gate.GetProperty("passed").GetBoolean(), early.ToString());
        Assert.Contains("service never has 0/1 tasks running for", gate.GetProperty("reason").GetString());

        await Task.Delay(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var late = await Sandbox.TidemarkAsync("plan", "--json", "--config", config);

        gate = late.Gate("converge");
        Assert.True(gate.GetProperty("passed").GetBoolean(), late.ToString());
        Assert.Contains("not waiting for never", gate.GetProperty("reason").GetString());
        Assert.Contains(late.Json.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("warning: service never has been converging for", StringComparison.Ordinal));
        Assert.Contains("past [converge] max_wait 8s", late.Stderr);
    }

    [Fact]
    public async Task A_replica_that_just_failed_holds_the_gate_though_the_service_is_older_than_max_wait()
    {
        // Review of issue 8: its clock once ran from the spec change, so this service passed.
        await LoadAsync([FixtureImage.Tagged("ci/steady:1", Now.AddDays(-3), new Layer("steady", 1_000_000))]);
        // The ballast first: writing it takes seconds on a busy machine, which must not count
        // against the failed replica's max_wait.
        Sandbox.FillTo(82);
        Docker.Cli("service", "create", "-d", "--name", "steady", "--replicas", "2", "--restart-delay", "30s", "ci/steady:1", "sleep", "3600");
        FixtureDocker.WaitUntil(() => Docker.Lines("ps", "-q", "--filter", "label=com.docker.swarm.service.name=steady").Count == 2, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(9), TestContext.Current.CancellationToken);
        Docker.Cli("kill", Docker.Lines("ps", "-q", "--filter", "label=com.docker.swarm.service.name=steady")[0]);
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        var plan = await Sandbox.TidemarkAsync("plan", "--json", "--config", Sandbox.Config("[converge]\nmax_wait = \"8s\"\n"));

        var gate = plan.Gate("converge");
        Assert.False(gate.GetProperty("passed").GetBoolean(), plan.ToString());
        Assert.Contains("service steady has 1/2 tasks running for", gate.GetProperty("reason").GetString());
    }
}
