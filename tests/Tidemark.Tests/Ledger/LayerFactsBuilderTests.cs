using Tidemark.Core.Layers;

namespace Tidemark.Tests.Ledger;

/// <summary>Issue 7, defect 5: a malformed daemon answer is never cached as "no layers".</summary>
public sealed class LayerFactsBuilderTests
{
    private const string Id = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private static readonly string DiffA = "sha256:" + new string('a', 64);
    private static readonly string DiffB = "sha256:" + new string('b', 64);

    [Fact]
    public void A_consistent_answer_is_cached()
    {
        var r = LayerFactsBuilder.Build(Id, new InspectedImage(Id, 300, "layers", [DiffA, DiffB]), [new("ADD base", 100), new("COPY app", 200)]);
        Assert.True(r.Cacheable);
        Assert.Equal([100L, 200L], r.Facts!.Select(f => f.Size));
    }

    [Fact]
    public void An_empty_inspect_is_a_problem_not_an_image_without_layers()
    {
        var r = LayerFactsBuilder.Build(Id, new InspectedImage("", 0, null, null), []);
        Assert.Null(r.Facts);
        Assert.False(r.Cacheable);
        Assert.NotNull(r.Problem);
    }

    [Fact]
    public void An_empty_history_gives_an_estimate_that_is_not_cached()
    {
        var r = LayerFactsBuilder.Build(Id, new InspectedImage(Id, 300, "layers", [DiffA, DiffB]), []);
        Assert.False(r.Cacheable);
        Assert.Equal([0L, 300L], r.Facts!.Select(f => f.Size));
    }

    [Fact]
    public void A_history_that_does_not_add_up_to_the_size_is_not_cached()
    {
        var r = LayerFactsBuilder.Build(Id, new InspectedImage(Id, 999, "layers", [DiffA, DiffB]), [new("ADD base", 100), new("COPY app", 200)]);
        Assert.False(r.Cacheable);
        Assert.Equal(999, r.Facts!.Sum(f => f.Size));
    }

    [Theory]
    [InlineData("sha256:short")]
    [InlineData("")]
    [InlineData("md5:aaaa")]
    public void A_layer_that_is_not_a_digest_is_a_problem(string diff)
    {
        var r = LayerFactsBuilder.Build(Id, new InspectedImage(Id, 1, "layers", [diff]), [new("ADD", 1)]);
        Assert.NotNull(r.Problem);
    }

    [Fact]
    public void An_answer_about_another_image_is_a_problem()
    {
        var other = "sha256:" + new string('2', 64);
        Assert.NotNull(LayerFactsBuilder.Build(Id, new InspectedImage(other, 1, "layers", [DiffA]), [new("ADD", 1)]).Problem);
    }

    [Fact]
    public void Negative_sizes_are_a_problem()
    {
        Assert.NotNull(LayerFactsBuilder.Build(Id, new InspectedImage(Id, 1, "layers", [DiffA]), [new("ADD", -1)]).Problem);
        Assert.NotNull(LayerFactsBuilder.Build(Id, new InspectedImage(Id, -1, "layers", [DiffA]), [new("ADD", 1)]).Problem);
    }
}
