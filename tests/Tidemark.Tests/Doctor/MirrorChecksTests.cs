using Tidemark.Cli.Doctor;
using Tidemark.Docker.Models;

namespace Tidemark.Tests.Doctor;

/// <summary>
/// Issue 12: on a swarm, `doctor` runs on every node (a global job, docs/scale-out.md) and each
/// report must say which node's registry mirror it is.
/// </summary>
public sealed class MirrorChecksTests
{
    private static SystemInfo SwarmNode(string name, params string[] mirrors) => new()
    {
        Name = name,
        Swarm = new SwarmInfo { LocalNodeState = "active", Nodes = 3, NodeId = "n-" + name },
        RegistryConfig = new RegistryServiceConfig { Mirrors = [.. mirrors] },
    };

    [Fact]
    public void On_a_swarm_the_mirror_line_names_the_node()
    {
        var check = MirrorChecks.For(SwarmNode("worker-2", "http://10.0.0.5:5000/")).First();

        Assert.Equal("node worker-2: registry mirrors: http://10.0.0.5:5000/", check.Evidence);
        Assert.Equal("worker-2", check.Facts!["node"]?.ToString());
    }

    [Fact]
    public void A_swarm_node_without_a_mirror_is_warned_by_name()
    {
        var check = MirrorChecks.For(SwarmNode("worker-3")).First();

        Assert.StartsWith("node worker-3: no registry mirror on a swarm of 3 nodes", check.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_host_is_not_named()
    {
        var check = MirrorChecks.For(new SystemInfo { Name = "ci-1" }).First();

        Assert.Equal("no registry mirror (a single host: its own image store is the cache)", check.Evidence);
    }
}
