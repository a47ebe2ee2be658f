using Tidemark.Core.Configuration;
using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Gates;

public sealed class IdleGateTests
{
    private const string SeedStack = "^[a-z0-9]{1,4}-[0-9a-f]{6}_ci_";

    private static BusySelector Selector(
        string[]? stacks = null, string[]? services = null, string[]? containers = null, string[]? labels = null) =>
        BusySelector.Create(new BusySettings
        {
            StackPatterns = stacks ?? [],
            ServicePatterns = services ?? [],
            ContainerPatterns = containers ?? [],
            Labels = labels ?? ["tidemark.busy"],
        });

    private static readonly IReadOnlyDictionary<string, string> RunStack =
        Scene.Labels((ServiceRecord.StackLabel, "ab12-0f3a9c_ci_commoninternet_net"));

    [Fact]
    public void A_live_run_stack_blocks_with_the_pattern_named()
    {
        var snap = new Scene().Service("ab12-0f3a9c_ci_commoninternet_net_app", labels: RunStack).Build();
        var r = IdleGate.Evaluate(snap, Selector(stacks: [SeedStack]));
        Assert.False(r.Passed);
        Assert.Equal($"run in progress: stack ab12-0f3a9c_ci_commoninternet_net (matches {SeedStack}); not pruning while it runs", r.Reason);
    }

    [Fact]
    public void A_stack_is_listed_once_however_many_services_and_containers_it_has()
    {
        var snap = new Scene()
            .Service("ab12-0f3a9c_ci_commoninternet_net_app", labels: RunStack)
            .Service("ab12-0f3a9c_ci_commoninternet_net_db", labels: RunStack)
            .Container("ab12-0f3a9c_ci_commoninternet_net_app.1.x", "img", ContainerState.Running, labels: RunStack)
            .Build();
        var r = IdleGate.Evaluate(snap, Selector(stacks: [SeedStack]));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(r.Reason, "stack "));
    }

    [Fact]
    public void A_scaled_down_run_service_does_not_block()
    {
        var snap = new Scene().Service("ab12-0f3a9c_ci_x_app", replicas: 0, running: 0, labels: RunStack).Build();
        Assert.True(IdleGate.Evaluate(snap, Selector(stacks: [SeedStack])).Passed);
    }

    [Fact]
    public void A_stopped_container_of_a_run_does_not_block()
    {
        var snap = new Scene().Container("job", "img", ContainerState.Exited, labels: RunStack).Build();
        Assert.True(IdleGate.Evaluate(snap, Selector(stacks: [SeedStack])).Passed);
    }

    [Fact]
    public void Other_stacks_do_not_block()
    {
        var snap = new Scene().Service("traefik_proxy", labels: Scene.Labels((ServiceRecord.StackLabel, "traefik"))).Build();
        var r = IdleGate.Evaluate(snap, Selector(stacks: [SeedStack]));
        Assert.True(r.Passed);
        Assert.Equal("no run in progress: none of 0 running containers and 1 active services matches a busy selector", r.Reason);
    }

    [Fact]
    public void The_default_busy_label_blocks_on_containers()
    {
        var snap = new Scene().Container("runner-7", "img", ContainerState.Running, labels: Scene.Labels(("tidemark.busy", "1"))).Build();
        var r = IdleGate.Evaluate(snap, Selector());
        Assert.False(r.Passed);
        Assert.Contains("container runner-7 (label tidemark.busy)", r.Reason);
    }

    [Fact]
    public void Label_with_value_must_match_the_value()
    {
        var labels = Scene.Labels(("phase", "build"));
        var snap = new Scene().Container("c", "img", ContainerState.Running, labels: labels).Build();
        Assert.True(IdleGate.Evaluate(snap, Selector(labels: ["phase=deploy"])).Passed);
        Assert.False(IdleGate.Evaluate(snap, Selector(labels: ["phase=build"])).Passed);
    }

    [Fact]
    public void Container_and_service_name_patterns_block()
    {
        var snap = new Scene().Container("runner-3", "img", ContainerState.Paused).Service("deploy-web").Build();
        var r = IdleGate.Evaluate(snap, Selector(containers: ["^runner-"], services: ["^deploy-"]));
        Assert.False(r.Passed);
        Assert.Contains("container runner-3 (matches ^runner-)", r.Reason);
        Assert.Contains("service deploy-web (matches ^deploy-)", r.Reason);
    }

    [Fact]
    public void A_container_in_an_unknown_state_counts_as_live()
    {
        var snap = new Scene().Container("runner-1", "img", ContainerState.Unknown).Build();
        Assert.False(IdleGate.Evaluate(snap, Selector(containers: ["^runner-"])).Passed);
    }

    [Fact]
    public void Long_lists_are_cut_with_a_count()
    {
        var scene = new Scene();
        for (var i = 0; i < 5; i++)
        {
            scene.Container($"runner-{i}", "img", ContainerState.Running);
        }

        var r = IdleGate.Evaluate(scene.Build(), Selector(containers: ["^runner-"]));
        Assert.Contains("and 2 more", r.Reason);
    }

    [Fact]
    public void No_selectors_at_all_passes_but_says_it_cannot_tell()
    {
        var r = IdleGate.Evaluate(new Scene().Build(), Selector(labels: []));
        Assert.True(r.Passed);
        Assert.StartsWith("no busy selectors configured", r.Reason);
    }

    [Fact]
    public void A_selector_that_runs_past_its_time_limit_holds_the_gate_instead_of_crashing()
    {
        // Issue 7, defect 8: catastrophic backtracking on a container name threw out of the gate.
        var snap = new Scene()
            .Image("i", "app:1")
            .Container(new string('a', 40) + "!", "i", ContainerState.Running)
            .Build();
        var r = IdleGate.Evaluate(snap, Selector(containers: ["^(a+)+$"]));
        Assert.False(r.Passed);
        Assert.Contains("cannot tell, so it counts as busy", r.Reason);
    }

    [Fact]
    public void Tidemarks_own_service_and_container_never_hold_the_idle_gate_even_when_a_selector_matches_them()
    {
        // An operator who counts every stack as a run: Tidemark deployed as a stack is one too.
        var own = Scene.Labels((ServiceRecord.StackLabel, "tidemark"), ("tidemark.self", "true"));
        var snap = new Scene()
            .Service("tidemark_tidemark", labels: own, mode: ServiceMode.Global)
            .Container("tidemark_tidemark.node1.x", "tidemark:1", ContainerState.Running, labels: own)
            .Build();

        var r = IdleGate.Evaluate(snap, Selector(stacks: [".*"], labels: ["com.docker.stack.namespace"]));

        Assert.True(r.Passed, r.Reason);
        Assert.Equal("no run in progress: none of 0 running containers and 0 active services matches a busy selector (Tidemark's own not counted)", r.Reason);
    }

    [Fact]
    public void A_run_beside_tidemarks_own_container_still_blocks()
    {
        var own = Scene.Labels((ServiceRecord.StackLabel, "tidemark"), ("tidemark.self", "true"));
        var snap = new Scene()
            .Container("tidemark_tidemark.node1.x", "tidemark:1", ContainerState.Running, labels: own)
            .Container("ci-job", "ci:1", ContainerState.Running, labels: Scene.Labels(("tidemark.busy", "1")))
            .Build();

        var r = IdleGate.Evaluate(snap, Selector(stacks: [".*"]));

        Assert.False(r.Passed);
        Assert.Contains("container ci-job (label tidemark.busy)", r.Reason);
        Assert.DoesNotContain("tidemark_tidemark", r.Reason);
    }
}
