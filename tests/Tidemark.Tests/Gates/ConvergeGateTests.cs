using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Gates;

public sealed class ConvergeGateTests
{
    [Fact]
    public void Outside_swarm_mode_passes_and_says_so()
    {
        var r = ConvergeGate.Evaluate(SwarmRole.None, []);
        Assert.True(r.Passed);
        Assert.Equal("not in swarm mode: no services to converge", r.Reason);
    }

    [Fact]
    public void A_service_short_of_tasks_blocks()
    {
        var snap = new Scene().Service("web", replicas: 3, running: 1).Build();
        var r = ConvergeGate.Evaluate(SwarmRole.Manager, snap.Services);
        Assert.False(r.Passed);
        Assert.Equal("swarm converging: service web has 1/3 tasks running; a deploy or pull may be in flight", r.Reason);
    }

    [Theory]
    [InlineData("updating", "service web updating")]
    [InlineData("rollback_started", "service web rollback started")]
    public void An_update_or_rollback_in_progress_blocks(string state, string expected)
    {
        var snap = new Scene().Service("web", update: state).Build();
        var r = ConvergeGate.Evaluate(SwarmRole.Manager, snap.Services);
        Assert.False(r.Passed);
        Assert.Contains(expected, r.Reason);
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("rollback_completed")]
    [InlineData(null)]
    public void Finished_updates_do_not_block(string? state)
    {
        var snap = new Scene().Service("web", update: state).Build();
        Assert.True(ConvergeGate.Evaluate(SwarmRole.Manager, snap.Services).Passed);
    }

    [Fact]
    public void Converged_services_pass_with_a_count()
    {
        var snap = new Scene().Service("web").Service("db", replicas: 0, running: 0).Build();
        var r = ConvergeGate.Evaluate(SwarmRole.Manager, snap.Services);
        Assert.True(r.Passed);
        Assert.Equal("swarm: all 2 services have converged", r.Reason);
    }

    [Fact]
    public void A_running_job_blocks_but_a_finished_one_does_not()
    {
        var running = new Scene().Service("migrate", mode: ServiceMode.ReplicatedJob, running: 1, desired: 1).Build();
        var done = new Scene().Service("migrate", mode: ServiceMode.ReplicatedJob, running: 0, desired: 1).Build();
        Assert.False(ConvergeGate.Evaluate(SwarmRole.Manager, running.Services).Passed);
        Assert.True(ConvergeGate.Evaluate(SwarmRole.Manager, done.Services).Passed);
    }
}
