using System.Security.Cryptography;
using System.Text;
using Tidemark.Core.Layers;

namespace Tidemark.Tests.Ledger;

public sealed class LayerFactsTests
{
    [Fact]
    public void Chain_ids_follow_the_oci_definition()
    {
        var chains = ChainIds.From(["sha256:a", "sha256:b", "sha256:c"]);
        var second = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes("sha256:a sha256:b")));
        var third = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(second + " sha256:c")));
        Assert.Equal(["sha256:a", second, third], chains);
    }

    [Fact]
    public void The_same_diff_on_another_parent_is_another_layer() =>
        Assert.NotEqual(ChainIds.From(["sha256:a", "sha256:x"])[1], ChainIds.From(["sha256:b", "sha256:x"])[1]);

    [Fact]
    public void One_step_per_layer_maps_directly() =>
        Assert.Equal([5L, 0, 3], HistorySizes.ForLayers([new("ADD rootfs", 5), new("RUN true", 0), new("COPY app", 3)], 3));

    [Fact]
    public void Metadata_steps_are_dropped_before_other_empty_steps()
    {
        var steps = new HistoryStep[]
        {
            new("/bin/sh -c #(nop) ADD file:abc in /", 5),
            new("/bin/sh -c #(nop)  ENV PATH=/bin", 0),
            new("RUN /bin/sh -c true # buildkit", 0),
            new("LABEL x=1", 0),
            new("COPY app /app # buildkit", 3),
        };
        Assert.Equal([5L, 0, 3], HistorySizes.ForLayers(steps, 3));
    }

    [Fact]
    public void More_sized_steps_than_layers_cannot_be_mapped() =>
        Assert.Null(HistorySizes.ForLayers([new("a", 1), new("b", 2)], 1));

    [Fact]
    public void Fewer_steps_than_layers_put_the_bytes_on_top() =>
        Assert.Equal([0L, 0, 7], HistorySizes.ForLayers([new("squashed", 7)], 3));
}
