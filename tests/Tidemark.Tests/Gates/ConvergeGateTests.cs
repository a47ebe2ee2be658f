using Tidemark.Core.Configuration;
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

/// <summary>Issue 8: a service that can never converge must not block every prune.</summary>
public sealed class ConvergeMaxWaitTests
{
    private static readonly DateTimeOffset Now = Tidemark.Tests.Support.Scene.Now;

    private static ServiceRecord Broken(string name, TimeSpan since) =>
        new($"s-{name}", name, "nope:1", new Dictionary<string, string>(), ServiceMode.Replicated, 1, 0, 1, null, Now - since);

    private static ConvergeRules Rules(string maxWait = "1h", params string[] ignore) =>
        ConvergeRules.Create(new ConvergeSettings { MaxWait = DurationText.TryParse(maxWait, out var d) ? d : throw new ArgumentException(maxWait), IgnoreServices = ignore });

    [Fact]
    public void A_service_short_for_less_than_max_wait_blocks_and_says_for_how_long()
    {
        var r = ConvergeGate.Evaluate(SwarmRole.Manager, [Broken("api", TimeSpan.FromMinutes(20))], Rules(), Now);
        Assert.False(r.Passed);
        Assert.Contains("service api has 0/1 tasks running for 20m", r.Reason);
    }

    [Fact]
    public void Past_max_wait_it_no_longer_holds_the_gate_and_a_warning_names_it()
    {
        var r = ConvergeGate.Evaluate(SwarmRole.Manager, [Broken("broken", TimeSpan.FromHours(3))], Rules(), Now);
        Assert.True(r.Passed);
        Assert.Contains("not waiting for broken (service broken has 0/1 tasks running for 3h, past max_wait 1h)", r.Reason);
        Assert.Contains("past [converge] max_wait 1h", Assert.Single(r.Warnings));
    }

    [Fact]
    public void Ignored_services_never_hold_the_gate()
    {
        var r = ConvergeGate.Evaluate(SwarmRole.Manager, [Broken("flaky-canary", TimeSpan.FromSeconds(5))], Rules("1h", "^flaky-"), Now);
        Assert.True(r.Passed);
        Assert.Contains("ignore_services ^flaky-", r.Reason);
    }

    [Fact]
    public void Max_wait_of_zero_waits_for_ever()
    {
        Assert.False(ConvergeGate.Evaluate(SwarmRole.Manager, [Broken("broken", TimeSpan.FromDays(30))], Rules("0s"), Now).Passed);
    }

    [Fact]
    public void Unknown_duration_blocks()
    {
        var unknown = Broken("api", TimeSpan.Zero) with { ConvergingSince = null };
        Assert.False(ConvergeGate.Evaluate(SwarmRole.Manager, [unknown], Rules(), Now).Passed);
    }

    [Fact]
    public void Converging_since_is_the_later_of_the_spec_change_and_the_last_lost_replica()
    {
        var spec = Now.AddHours(-5);
        // Never started (rejected: no such image; pending: no node): converging since the spec.
        Assert.Equal(spec, Convergence.Since(false, null, spec, [new TaskState("rejected", Now.AddMinutes(-1)), new TaskState("pending", Now.AddMinutes(-1))]));
        // A replica that ran for days and just failed: converging since it failed, not since the
        // spec (the review's case: it passed the gate while its restart pulled).
        Assert.Equal(Now.AddMinutes(-1), Convergence.Since(false, null, spec,
            [new TaskState("running", Now.AddDays(-3)), new TaskState("failed", Now.AddMinutes(-1))]));
        Assert.Equal(spec, Convergence.Since(false, null, spec, [new TaskState("running", Now.AddMinutes(-3))]));
        Assert.Equal(Now.AddMinutes(-7), Convergence.Since(true, Now.AddMinutes(-7), spec, []));
    }

    [Fact]
    public void Tidemarks_own_service_converging_does_not_hold_the_converge_gate()
    {
        // Its own rolling update: waiting for itself would hold every node's Tidemark.
        var own = Scene.Labels(("tidemark.self", "true"));
        var services = new Scene()
            .Service("tidemark_tidemark", "tidemark:2", running: 0, desired: 1, update: "updating", labels: own)
            .Service("web", running: 2, replicas: 2)
            .Build().Services;

        var r = ConvergeGate.Evaluate(SwarmRole.Manager, services);

        Assert.True(r.Passed, r.Reason);
        Assert.Equal("swarm: the one service has converged (Tidemark's own not counted)", r.Reason);
    }
}
