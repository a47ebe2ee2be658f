using Tidemark.Fixtures;

namespace Tidemark.SwarmTests;

/// <summary>
/// A service scaled to 0 on a worker: swarm removes its task container, and the worker cannot
/// read service specs (`/services` answers 503 there). [swarm] worker_service_memory keeps the
/// image, because the ledger saw a task of that service run it on this node; the manager keeps it
/// because the service names it.
/// </summary>
public sealed class ScaleToZeroTests(Bed bed) : SwarmTest(bed)
{
    [Fact]
    public async Task A_worker_keeps_the_image_of_a_service_scaled_to_zero_that_its_task_ran()
    {
        var worker = Bed.Node(2);
        var app = FixtureImage.Tagged("swarm/app:1", Now.AddDays(-20), new Layer("swarm-app", 8_000_000));
        var other = FixtureImage.Tagged("swarm/other:1", Now.AddDays(-10), new Layer("swarm-other", 8_000_000));
        var ids = await LoadAsync([Manager, worker], app, other);
        Manager.Docker.Cli("service", "create", "--detach", "--name", "app", "--replicas", "1", "--no-resolve-image",
            "--constraint", $"node.hostname=={worker.Hostname}", "--stop-grace-period", "1s", "swarm/app:1", "sleep", "3600");
        WaitFor(() => worker.RunningTask("app") is not null, $"app's task running on {worker}");

        Step("app's task running on the worker");
        // The worker's ledger meets the task while it runs (the disk gate shut: nothing to do).
        var quiet = CliConfig(worker, "worker", 99, 98);
        var seen = Processes.Tidemark(worker, "run", "--json", "--config", quiet);
        Assert.True(seen.ExitCode == 0, seen.ToString());
        Assert.Equal("worker", seen.Json.GetProperty("daemon").GetProperty("swarm").GetString());

        Manager.Docker.Cli("service", "scale", "--detach", "app=0");
        WaitFor(() => worker.TaskContainers("app").Count == 0, $"swarm removes app's task container from {worker}");
        Step("app scaled to 0, its task container gone");
        // The worker cannot tell a service scaled to 0 from one that is gone.
        Assert.Contains("This node is not a swarm manager", worker.Docker.TryCli("service", "ls").Output);
        // The control: a ledger started only now, which never saw the task.
        var blind = CliConfig(worker, "blind", 99, 98);
        Assert.Equal(0, Processes.Tidemark(worker, "run", "--json", "--config", blind).ExitCode);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);

        // Stage 2 forced (high 2 %, low 1 %): every unused image is up for removal.
        var plan = Processes.Tidemark(worker, "plan", "--json", "--config", CliConfig(worker, "worker", 2, 1));
        Assert.True(plan.ExitCode == 0, plan.ToString());
        var kept = Stage2(plan, ids[0]);
        Assert.Equal("keep", kept.GetProperty("decision").GetString());
        Assert.Equal("service", kept.GetProperty("reason").GetString());
        Assert.StartsWith("keep: named by service app (its task ran here ", kept.GetProperty("why").GetString());
        Assert.Contains("[swarm] worker_service_memory", kept.GetProperty("why").GetString());
        Assert.Equal("remove", Stage2(plan, ids[1]).GetProperty("decision").GetString());

        // Without the memory of the task, the same worker would remove it.
        var control = Processes.Tidemark(worker, "plan", "--json", "--config", CliConfig(worker, "blind", 2, 1));
        Assert.True(control.ExitCode == 0, control.ToString());
        Assert.Equal("remove", Stage2(control, ids[0]).GetProperty("decision").GetString());

        Step("the worker's plans");
        // The manager reads the service: scaled to 0, it still names the image.
        var managerQuiet = CliConfig(Manager, "manager", 99, 98);
        Assert.Equal(0, Processes.Tidemark(Manager, "run", "--json", "--config", managerQuiet).ExitCode);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        var managerPlan = Processes.Tidemark(Manager, "plan", "--json", "--config", CliConfig(Manager, "manager", 2, 1));
        Assert.True(managerPlan.ExitCode == 0, managerPlan.ToString());
        var managerKept = Stage2(managerPlan, ids[0]);
        Assert.Equal("service", managerKept.GetProperty("reason").GetString());
        Assert.Equal("keep: named by service app, scaled to 0", managerKept.GetProperty("why").GetString());
        Assert.Equal("remove", Stage2(managerPlan, ids[1]).GetProperty("decision").GetString());
        Assert.Contains("swarm/app:1", worker.Tags());
    }

    private static System.Text.Json.JsonElement Stage2(ProcessResult plan, string id) =>
        plan.Json.GetProperty("stage2").GetProperty("images").EnumerateArray().Single(i => i.GetProperty("id").GetString() == id);
}
