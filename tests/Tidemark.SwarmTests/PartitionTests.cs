using Tidemark.Fixtures;

namespace Tidemark.SwarmTests;

/// <summary>
/// A worker cut off from the swarm (its link down, its daemon running): its Tidemark carries on
/// against its own daemon, and the manager — which now counts a global service as running 3 of
/// 2 desired — neither stalls on that nor acts for the lost node. After healing, the node's task
/// is replaced cleanly.
/// </summary>
public sealed class PartitionTests(Bed bed) : SwarmTest(bed)
{
    [Fact]
    public async Task A_cut_off_worker_keeps_reclaiming_on_its_own_and_the_manager_only_on_its_own()
    {
        var image = await Bed.TidemarkImageAsync(Ct);
        var unused = await LoadAsync(Bed.Nodes,
            FixtureImage.Tagged("swarm/unused:1", Now.AddDays(-40), new Layer("swarm-unused-1", 12_000_000)),
            FixtureImage.Tagged("swarm/unused:2", Now.AddDays(-30), new Layer("swarm-unused-2", 12_000_000)));
        await LoadAsync(Bed.Nodes, FixtureImage.Tagged("swarm/agent:1", Now.AddDays(-1)));
        var high = Bed.Nodes.Max(n => n.UsedPercent()) + 3;
        var state = await DeployTidemarkAsync(StackConfig(high, high - 2));
        // A global service that is not Tidemark's own, so the manager's converge gate counts it.
        Manager.Docker.Cli("service", "create", "--detach", "--name", "agents", "--mode", "global", "--no-resolve-image",
            "--stop-grace-period", "1s", "swarm/agent:1", "sleep", "3600");
        WaitFor(() => Bed.Nodes.All(n => n.RunningTask("agents") is not null), "the global service agents running on every node");

        Step("agents running on every node");
        var cut = Bed.Node(3);
        var task = cut.RunningTask(Service)!;
        Bed.Swarm3("cut", "3");
        try
        {
            WaitFor(() => Manager.Docker.Cli("node", "inspect", "--format", "{{.Status.State}}", cut.Hostname) == "down", $"{cut} Down on the manager");
            WaitFor(() => Manager.Docker.Cli("service", "ls", "--filter", "name=agents", "--format", "{{.Replicas}}") == "3/2",
                "agents listed as running 3 of 2 desired on the manager");
            Step($"{cut} cut off: Down, agents 3/2");
            var cyclesAtCut = Cycles(cut, state);

            // Pressure on the manager and on the cut-off worker; none on node 2.
            Manager.FillTo(high);
            cut.FillTo(high);
            WaitFor(() => TidemarkLogs(Manager).Any(Reclaimed) && TidemarkLogs(cut).Any(Reclaimed), "the manager and the cut-off node reclaim", Manager, cut);

            Step("the manager and the cut-off node reclaimed");
            var managerActed = TidemarkLogs(Manager).First(Reclaimed);
            Assert.True(managerActed.GetProperty("allowed").GetBoolean(), managerActed.ToString());
            var converge = managerActed.GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("name").GetString() == "converge");
            Assert.True(converge.GetProperty("passed").GetBoolean(), converge.ToString());
            Assert.Equal(unused.Order(), RemovedIds(managerActed).Order());
            Assert.DoesNotContain("swarm/unused:1", Manager.Tags());

            var cutActed = TidemarkLogs(cut).First(Reclaimed);
            Assert.Equal(unused.Order(), RemovedIds(cutActed).Order());
            Assert.DoesNotContain("swarm/unused:1", cut.Tags());
            // Node 2, reachable but not filled, keeps everything: nobody acted for it.
            Assert.Contains("swarm/unused:1", Bed.Node(2).Tags());
            Assert.Contains("swarm/unused:2", Bed.Node(2).Tags());
            Assert.Equal(0, Cycles(Bed.Node(2), state, "acted"));

            // The cut-off node's Tidemark is the same container, still running, still cycling.
            var cyclesSoFar = Cycles(cut, state);
            WaitFor(() => Cycles(cut, state) >= cyclesSoFar + 2, $"two more cycles on {cut} while cut off", cut);
            Step("two more cycles while cut off");
            Assert.True(Cycles(cut, state) > cyclesAtCut);
            Assert.Equal(task, cut.RunningTask(Service));
            var running = cut.Inspect(task);
            Assert.Equal(0, running.GetProperty("RestartCount").GetInt32());
            Assert.Equal("down", Manager.Docker.Cli("node", "inspect", "--format", "{{.Status.State}}", cut.Hostname));
        }
        finally
        {
            Bed.Swarm3("heal", "3");
        }

        Step($"{cut} healed");
        // Healed: the node is back, both global services run 3 of 3, and the node runs a Tidemark
        // task again (swarm may replace the old one: then it stopped cleanly, exit 0, ledger saved).
        WaitFor(() => Manager.Docker.Cli("service", "ls", "--format", "{{.Name}} {{.Replicas}}").Split('\n')
            .Order().SequenceEqual(["agents 3/3", $"{Service} 3/3"]), "both global services at 3/3 after the heal");
        WaitFor(() => cut.RunningTask(Service) is { } now && TidemarkLogs(cut).Any(IsCycle), $"{cut} runs Tidemark and cycles after the heal", cut);
        Step("both services 3/3, Tidemark cycling on the healed node");
        var old = cut.Inspect(task);
        if (cut.RunningTask(Service) != task)
        {
            Assert.False(old.GetProperty("State").GetProperty("Running").GetBoolean());
            Assert.Equal(0, old.GetProperty("State").GetProperty("ExitCode").GetInt32());
            Assert.Equal("stopped", cut.JsonLogs(task)[^1].GetProperty("event").GetString());
        }

        Assert.Contains(image, cut.Tags());
    }
}
