using Tidemark.Fixtures;

namespace Tidemark.SwarmTests;

/// <summary>
/// A rolling update holds the converge gate on the nodes it touches. The manager reads the
/// service's UpdateStatus; a worker cannot, and judges its own task containers: with swarm's
/// default stop-first order, the new task is prepared (its container created) while the old one
/// stops, and is started only once the old one is gone. An old task that ignores SIGTERM (busybox
/// sleep as PID 1) keeps that window open for its whole stop grace period. With start-first, the
/// new task runs beside the old one at once, and swarm counts it as starting until its first
/// health check passes.
/// </summary>
public sealed class RollingUpdateTests(Bed bed) : SwarmTest(bed)
{
    [Fact]
    public async Task A_rolling_update_holds_the_converge_gate_on_the_manager_and_on_the_worker_it_touches()
    {
        var worker = Bed.Node(2);
        var untouched = Bed.Node(3);
        await LoadAsync([worker],
            FixtureImage.Tagged("swarm/roll:1", Now.AddDays(-2)),
            FixtureImage.Tagged("swarm/roll:2", Now.AddDays(-1), new Layer("swarm-roll-2", 1_000_000)));
        Manager.Docker.Cli("service", "create", "--detach", "--name", "roll", "--replicas", "1", "--no-resolve-image",
            "--constraint", $"node.hostname=={worker.Hostname}", "--stop-grace-period", "30s", "--update-monitor", "1s",
            "swarm/roll:1", "sleep", "3600");
        WaitFor(() => worker.RunningTask("roll") is not null, $"roll's task running on {worker}");
        Step("roll's task running on the worker");
        var old = worker.RunningTask("roll")!;
        WaitFor(() => Converge(Manager).GetProperty("passed").GetBoolean(), "the manager's converge gate passing before the update");
        foreach (var node in Bed.Nodes)
        {
            var gate = Converge(node);
            Assert.True(gate.GetProperty("passed").GetBoolean(), $"{node}: {gate}");
        }

        Manager.Docker.Cli("service", "update", "--detach", "--image", "swarm/roll:2", "--no-resolve-image", "roll");
        WaitFor(() => worker.Docker.Lines("ps", "-a", "-q", "--filter", "label=com.docker.swarm.service.name=roll", "--filter", "status=created").Count == 1,
            $"the new task's container created, not started, on {worker}");

        Step("the new task's container created");
        // The window: the old task is stopping (up to 30 s), the new one waits.
        var managerGate = Converge(Manager);
        var workerGate = Converge(worker);
        var untouchedGate = Converge(untouched);
        Assert.True(worker.Inspect(old).GetProperty("State").GetProperty("Running").GetBoolean(), "the window closed before the gates were read");
        Assert.False(managerGate.GetProperty("passed").GetBoolean(), managerGate.ToString());
        Assert.Contains("service roll updating", managerGate.GetProperty("reason").GetString());
        Assert.False(workerGate.GetProperty("passed").GetBoolean(), workerGate.ToString());
        Assert.StartsWith("swarm worker: 1 task container of this node starting: roll.1.", workerGate.GetProperty("reason").GetString());
        Assert.Contains("(service roll)", workerGate.GetProperty("reason").GetString());
        Assert.True(untouchedGate.GetProperty("passed").GetBoolean(), untouchedGate.ToString());

        Step("the gates read in the window");
        // End the window (rather than wait out the grace period): the update completes and every gate opens.
        worker.Docker.Cli("kill", old);
        WaitFor(() => Manager.Docker.Cli("service", "inspect", "--format", "{{.UpdateStatus.State}}", "roll") == "completed", "the update completed");
        Step("the update completed");
        Assert.NotNull(worker.RunningTask("roll"));
        Assert.NotEqual(old, worker.RunningTask("roll"));
        foreach (var node in Bed.Nodes)
        {
            var gate = Converge(node);
            Assert.True(gate.GetProperty("passed").GetBoolean(), $"{node}: {gate}");
        }
    }

    [Fact]
    public async Task A_start_first_update_holds_the_worker_gate_while_the_new_task_is_not_yet_healthy()
    {
        var worker = Bed.Node(2);
        await LoadAsync([worker],
            FixtureImage.Tagged("swarm/roll:1", Now.AddDays(-2)),
            FixtureImage.Tagged("swarm/roll:2", Now.AddDays(-1), new Layer("swarm-roll-2", 1_000_000)));
        // Healthy once /tmp/ready exists; failures inside the start period keep it `starting`.
        Manager.Docker.Cli("service", "create", "--detach", "--name", "roll", "--replicas", "1", "--no-resolve-image",
            "--constraint", $"node.hostname=={worker.Hostname}", "--update-order", "start-first", "--update-monitor", "1s",
            "--health-cmd", "ls /tmp/ready", "--health-interval", "1s", "--health-start-period", "5m", "--health-retries", "1",
            "--stop-grace-period", "1s", "swarm/roll:1", "sleep", "3600");
        WaitFor(() => worker.RunningTask("roll") is not null, $"roll's task running on {worker}");
        var old = worker.RunningTask("roll")!;
        worker.Docker.Cli("exec", old, "mkdir", "/tmp/ready");
        WaitFor(() => Health(worker, old) == "healthy", "the first task healthy");
        WaitFor(() => Converge(Manager).GetProperty("passed").GetBoolean(), "the manager's converge gate passing before the update");
        Step("roll's first task running and healthy");
        var before = Converge(worker);
        Assert.True(before.GetProperty("passed").GetBoolean(), before.ToString());

        // Start-first: the new task is created and started at once, and runs beside the old one
        // with its health check starting until it passes.
        Manager.Docker.Cli("service", "update", "--detach", "--image", "swarm/roll:2", "--no-resolve-image", "roll");
        WaitFor(() => worker.Docker.Lines("ps", "-q", "--no-trunc", "--filter", "label=com.docker.swarm.service.name=roll").Count == 2,
            $"the new task running beside the old one on {worker}");
        var arriving = worker.Docker.Lines("ps", "-q", "--no-trunc", "--filter", "label=com.docker.swarm.service.name=roll").Single(c => c != old);
        Step("the new task running, its health check starting");
        var workerGate = Converge(worker);
        var managerGate = Converge(Manager);
        Assert.Equal("starting", Health(worker, arriving));
        Assert.False(workerGate.GetProperty("passed").GetBoolean(), workerGate.ToString());
        Assert.StartsWith("swarm worker: 1 task container of this node starting: roll.1.", workerGate.GetProperty("reason").GetString());
        Assert.Contains("(service roll, health check starting)", workerGate.GetProperty("reason").GetString());
        Assert.False(managerGate.GetProperty("passed").GetBoolean(), managerGate.ToString());
        Assert.Contains("service roll updating", managerGate.GetProperty("reason").GetString());

        // Healthy: swarm stops the old task, the update completes, the gates open.
        worker.Docker.Cli("exec", arriving, "mkdir", "/tmp/ready");
        WaitFor(() => Manager.Docker.Cli("service", "inspect", "--format", "{{.UpdateStatus.State}}", "roll") == "completed", "the update completed");
        WaitFor(() => worker.Docker.Lines("ps", "-q", "--no-trunc", "--filter", "label=com.docker.swarm.service.name=roll").SequenceEqual([arriving]),
            $"only the new task running on {worker}");
        Step("the update completed, the old task gone");
        foreach (var node in Bed.Nodes)
        {
            var gate = Converge(node);
            Assert.True(gate.GetProperty("passed").GetBoolean(), $"{node}: {gate}");
        }
    }

    private static string Health(Node node, string container) =>
        node.Docker.Cli("container", "inspect", "--format", "{{.State.Health.Status}}", container);

    /// <summary>The converge gate of a `tidemark plan` against <paramref name="node"/> (the disk gate shut: nothing else matters).</summary>
    private System.Text.Json.JsonElement Converge(Node node)
    {
        var plan = Processes.Tidemark(node, "plan", "--json", "--config", CliConfig(node, $"node{node.Number}", 99, 98));
        Assert.True(plan.ExitCode == 0, plan.ToString());
        return plan.Gate("converge");
    }
}
