using Tidemark.Fixtures;

namespace Tidemark.SwarmTests;

/// <summary>
/// deploy/swarm/stack.yml on three nodes: one global task per node, each watching only its own
/// daemon and disk. One worker filled past the watermark reclaims; the others keep the very same
/// images.
/// </summary>
public sealed class GlobalStackTests(Bed bed) : SwarmTest(bed)
{
    [Fact]
    public async Task Only_the_worker_past_its_watermark_reclaims_and_the_other_nodes_keep_the_same_images()
    {
        await Bed.TidemarkImageAsync(Ct);
        var ids = await LoadAsync(Bed.Nodes,
            FixtureImage.Tagged("swarm/unused:1", Now.AddDays(-40), new Layer("swarm-unused-1", 12_000_000)),
            FixtureImage.Tagged("swarm/unused:2", Now.AddDays(-30), new Layer("swarm-unused-2", 12_000_000)));
        // One config for all nodes: every node starts below the high watermark.
        var high = Bed.Nodes.Max(n => n.UsedPercent()) + 3;
        var state = await DeployTidemarkAsync(StackConfig(high, high - 2));

        foreach (var node in Bed.Nodes)
        {
            var first = TidemarkLogs(node).First(IsCycle);
            // Each task measures its own node's data root at the path its daemon reports.
            Assert.Equal($"{node.InNodeDir}/data", first.GetProperty("disk").GetProperty("path").GetString());
            Assert.Equal(node.Number == 1 ? "manager" : "worker", first.GetProperty("daemon").GetProperty("swarm").GetString());
            Assert.False(first.GetProperty("allowed").GetBoolean(), first.ToString());
        }

        var worker = Bed.Node(2);
        var others = new[] { Bed.Node(1), Bed.Node(3) };
        worker.FillTo(high);
        Step($"{worker} filled to {high}%");

        WaitFor(() => TidemarkLogs(worker).Any(Reclaimed), $"{worker} reclaims after its data root passed {high}%", worker);
        Step($"{worker} reclaimed");
        var acted = TidemarkLogs(worker).First(Reclaimed);
        Assert.Equal(ids.Order(), RemovedIds(acted).Order());
        Assert.DoesNotContain("swarm/unused:1", worker.Tags());
        Assert.DoesNotContain("swarm/unused:2", worker.Tags());
        Assert.Contains(await Bed.TidemarkImageAsync(Ct), worker.Tags());

        // The other nodes run on, cycle after cycle, and keep the same images.
        var before = others.Select(n => Cycles(n, state)).ToArray();
        WaitFor(() => others.Select((n, i) => Cycles(n, state) >= before[i] + 2).All(b => b), "two more cycles on nodes 1 and 3", others);
        Step("two more cycles on the others");
        foreach (var node in others)
        {
            Assert.Contains("swarm/unused:1", node.Tags());
            Assert.Contains("swarm/unused:2", node.Tags());
            Assert.DoesNotContain(TidemarkLogs(node), Reclaimed);
            Assert.Equal(0, Cycles(node, state, "acted"));
        }

        Assert.True(Cycles(worker, state, "acted") >= 1);
    }
}
