using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Gates;

/// <summary>
/// Issue 12: on a swarm worker the converge gate used to pass whatever happened ("services are
/// managed elsewhere"). A worker judges what it can see: its own task containers.
/// </summary>
public sealed class WorkerConvergeGateTests
{
    private static IReadOnlyDictionary<string, string> Task(string service) =>
        Scene.Labels(("com.docker.swarm.task.id", "t-" + service), ("com.docker.swarm.service.name", service));

    [Fact]
    public void A_task_of_this_node_being_created_holds_the_gate_on_a_worker()
    {
        var snapshot = new Scene().WithSwarm(SwarmRole.Worker)
            .Container("web.1.new", "sha256:0b", ContainerState.Created, labels: Task("web"))
            .Container("db.1.x", "sha256:0c", ContainerState.Running, labels: Task("db")).Build();

        var gate = GateSet.Evaluate(snapshot, Tidemark.Core.Configuration.Settings.Default, BusySelector.Create(new()), ConvergeRules.Default)
            .Results.Single(r => r.Name == ConvergeGate.Name);

        Assert.False(gate.Passed);
        Assert.Contains("web", gate.Reason, StringComparison.Ordinal);
        Assert.Contains("a worker cannot read service specs", gate.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_task_of_this_node_still_passing_its_first_health_check_holds_the_gate_on_a_worker()
    {
        // A rolling update with a health check: swarm counts the task as starting until it is
        // healthy, and the old task may not have been replaced yet.
        var snapshot = new Scene().WithSwarm(SwarmRole.Worker)
            .Container("web.1.new", "sha256:0b", ContainerState.Running, labels: Task("web"), health: ContainerHealth.Starting)
            .Container("db.1.x", "sha256:0c", ContainerState.Running, labels: Task("db"), health: ContainerHealth.Healthy).Build();

        var gate = ConvergeGate.Evaluate(SwarmRole.Worker, snapshot.Services, ConvergeRules.Default, snapshot.TakenAt, snapshot.Containers);

        Assert.False(gate.Passed);
        Assert.Contains("web.1.new (service web, health check starting)", gate.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("db", gate.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unhealthy_task_does_not_hold_a_worker_gate_forever()
    {
        var snapshot = new Scene().WithSwarm(SwarmRole.Worker)
            .Container("web.1.x", "sha256:0b", ContainerState.Running, labels: Task("web"), health: ContainerHealth.Unhealthy).Build();

        var gate = ConvergeGate.Evaluate(SwarmRole.Worker, snapshot.Services, ConvergeRules.Default, snapshot.TakenAt, snapshot.Containers);

        Assert.True(gate.Passed);
    }

    [Fact]
    public void With_its_tasks_settled_a_worker_passes_and_says_what_it_judged()
    {
        var snapshot = new Scene().WithSwarm(SwarmRole.Worker)
            .Container("db.1.x", "sha256:0c", ContainerState.Running, labels: Task("db"))
            .Container("old.1.x", "sha256:0d", ContainerState.Exited, labels: Task("old")).Build();

        var gate = ConvergeGate.Evaluate(SwarmRole.Worker, snapshot.Services, ConvergeRules.Default, snapshot.TakenAt, snapshot.Containers);

        Assert.True(gate.Passed);
        Assert.Contains("none of this node's 2 task containers is starting", gate.Reason, StringComparison.Ordinal);
    }
}
