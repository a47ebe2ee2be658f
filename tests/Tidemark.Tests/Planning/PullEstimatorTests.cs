using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Planning;

public sealed class PullEstimatorTests
{
    private static readonly Dictionary<string, long> Nothing = [];

    private static ImageRecord Image(string id, long size, TimeSpan? age = null) =>
        new(id, "", [$"{id}:1"], [], Scene.Now - (age ?? TimeSpan.FromDays(1)), size, 0);

    [Fact]
    public void With_nothing_to_measure_the_default_factor_is_used_and_the_download_counted_too()
    {
        var estimate = PullEstimator.FromManifest([new RemoteLayer("sha256:a", 4_000_000, "c1"), new RemoteLayer("sha256:b", 6_000_000, "c2")], Nothing, null);

        Assert.Equal(EstimateBasis.DefaultFactor, estimate.Basis);
        Assert.Equal(PullEstimator.DefaultExpansion, estimate.Factor);
        Assert.Equal(25_000_000, estimate.UnpackedBytes);
        Assert.Equal(10_000_000, estimate.DownloadBytes);
        Assert.Equal(35_000_000, estimate.NeededBytes);
        Assert.Empty(estimate.LayersHere);
        Assert.Contains("× 2.5 unpacked (the default", estimate.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Layers_already_here_need_nothing_and_give_the_factor()
    {
        // The base (5 MB compressed) is here as 15 MB: factor 3 for the 2 MB that is missing.
        var estimate = PullEstimator.FromManifest(
            [new RemoteLayer("sha256:base", 5_000_000, "B"), new RemoteLayer("sha256:app", 2_000_000, "A")],
            new Dictionary<string, long> { ["B"] = 15_000_000 },
            null);

        Assert.Equal(EstimateBasis.LayersHere, estimate.Basis);
        Assert.Equal(3.0, estimate.Factor);
        Assert.Equal(6_000_000, estimate.UnpackedBytes);
        Assert.Equal(8_000_000, estimate.NeededBytes);
        Assert.Equal([new LayerFact("B", 15_000_000)], estimate.LayersHere);
        Assert.Contains("1 already here (15 MB, reused)", estimate.Explanation, StringComparison.Ordinal);
        Assert.Contains("measured on its 1 layer already here", estimate.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_little_here_to_measure_falls_back_to_an_earlier_version_of_the_repository()
    {
        var earlier = new EarlierVersion(Image("app-old", 30_000_000), "app:1", null);
        var estimate = PullEstimator.FromManifest(
            [new RemoteLayer("sha256:tiny", 100_000, "T"), new RemoteLayer("sha256:app", 9_900_000, "A")],
            new Dictionary<string, long> { ["T"] = 1_000_000 },
            earlier);

        Assert.Equal(EstimateBasis.EarlierVersion, estimate.Basis);
        Assert.Equal(3.0, estimate.Factor);
        Assert.Equal(29_700_000, estimate.UnpackedBytes);
        Assert.Contains("from the earlier version app:1 here (30 MB unpacked against this version's 10 MB compressed)", estimate.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_measured_factor_stays_within_bounds()
    {
        var zeros = PullEstimator.FromManifest(
            [new RemoteLayer("sha256:z", 1_000_000, "Z"), new RemoteLayer("sha256:a", 1_000_000, "A")],
            new Dictionary<string, long> { ["Z"] = 500_000_000 },
            null);
        Assert.Equal(PullEstimator.MaxExpansion, zeros.Factor);

        var random = PullEstimator.FromManifest(
            [new RemoteLayer("sha256:r", 2_000_000, "R"), new RemoteLayer("sha256:a", 1_000_000, "A")],
            new Dictionary<string, long> { ["R"] = 1_900_000 },
            null);
        Assert.Equal(PullEstimator.MinExpansion, random.Factor);
        Assert.Equal(2_000_000, random.NeededBytes);
    }

    [Fact]
    public void Every_layer_here_needs_nothing()
    {
        var estimate = PullEstimator.FromManifest([new RemoteLayer("sha256:b", 5_000_000, "B")], new Dictionary<string, long> { ["B"] = 12_000_000 }, null);

        Assert.Equal(0, estimate.NeededBytes);
        Assert.Equal("registry manifest: 1 layer, all already here: needs nothing", estimate.Explanation);
    }

    [Fact]
    public void Without_chain_ids_no_layer_counts_as_here()
    {
        var estimate = PullEstimator.FromManifest([new RemoteLayer("sha256:b", 5_000_000, null)], new Dictionary<string, long> { ["B"] = 12_000_000 }, null);

        Assert.Equal(17_500_000, estimate.NeededBytes);
        Assert.Empty(estimate.LayersHere);
    }

    [Fact]
    public void When_the_registry_cannot_be_asked_the_earlier_version_gives_the_size()
    {
        var estimate = PullEstimator.FromHistory(new EarlierVersion(Image("app-old", 50_000_000), "app:1", null), "the registry could not be asked (refused)");

        Assert.Equal(EstimateBasis.Ledger, estimate.Basis);
        Assert.Equal(50_000_000, estimate.UnpackedBytes);
        Assert.Equal(20_000_000, estimate.DownloadBytes);
        Assert.Equal(70_000_000, estimate.NeededBytes);
        Assert.StartsWith("from the ledger: the registry could not be asked (refused); its earlier version app:1 here is 50 MB unpacked", estimate.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void With_nothing_known_the_size_is_unknown_and_no_room_is_made_for_it()
    {
        var estimate = PullEstimator.FromHistory(null, "the registry could not be asked");

        Assert.Equal(EstimateBasis.Unknown, estimate.Basis);
        Assert.Equal(0, estimate.NeededBytes);
        Assert.Contains("no room is made for it", estimate.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void The_version_to_learn_from_is_the_one_used_last()
    {
        var ledger = new UsageLedger();
        var a = Image("a", 10, TimeSpan.FromDays(1));
        var b = Image("b", 20, TimeSpan.FromDays(9));
        ledger.Apply(new UsageEvent(Scene.Now.AddDays(-5), UsageKind.ContainerCreated, "a", "app:1"));
        ledger.Apply(new UsageEvent(Scene.Now.AddHours(-1), UsageKind.ContainerCreated, "b", "app:0"));

        var picked = PullEstimator.Pick([(a, "app:1"), (b, "app:0")], ledger, new Dictionary<string, IReadOnlyList<LayerFact>>());

        Assert.Equal("b", picked!.Image.Id);
        Assert.Equal("app:0", picked.Reference);
        Assert.Null(PullEstimator.Pick([], ledger, new Dictionary<string, IReadOnlyList<LayerFact>>()));
    }
}
