using Tidemark.Cli.State;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Ledger;

public sealed class LedgerStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tidemark-ledger-").FullName;

    private string PathOf(string name = "ledger.json") => Path.Combine(_dir, name);

    [Fact]
    public void A_missing_ledger_starts_empty_and_trusted()
    {
        var load = LedgerStore.Load(PathOf(), Scene.Now);
        Assert.True(load.Readable);
        Assert.Empty(load.Warnings);
        Assert.Empty(load.Ledger.Entries);
    }

    [Fact]
    public void What_is_saved_is_what_is_loaded()
    {
        var ledger = new UsageLedger();
        ledger.Apply(new UsageEvent(Scene.Now, UsageKind.ContainerCreated, "sha256:aa", "app:1"));
        ledger.Apply(new UsageEvent(Scene.Now.AddMinutes(5), UsageKind.ContainerCreated, "sha256:aa", "app:1"));
        ledger.CacheLayers("sha256:aa", [new LayerFact("sha256:c1", 123), new LayerFact("sha256:c2", 456)]);
        ledger.MarkEventsSeen(Scene.Now.AddMinutes(6));

        Assert.Null(LedgerStore.Save(PathOf("sub/dir/ledger.json"), ledger));
        var loaded = LedgerStore.Load(PathOf("sub/dir/ledger.json"), Scene.Now.AddHours(1)).Ledger;

        var e = loaded.Find("sha256:aa")!;
        Assert.Equal(2, e.UseCount);
        Assert.Equal(Scene.Now.AddMinutes(5), e.LastUsed);
        Assert.Equal([Scene.Now, Scene.Now.AddMinutes(5)], e.RecentUses);
        Assert.Equal(["app:1"], e.References);
        Assert.Equal([new LayerFact("sha256:c1", 123), new LayerFact("sha256:c2", 456)], e.Layers);
        Assert.Equal(Scene.Now.AddMinutes(6), loaded.EventsSeenUntil);
    }

    [Fact]
    public void Saving_leaves_no_temporary_file_behind()
    {
        Assert.Null(LedgerStore.Save(PathOf(), new UsageLedger()));
        Assert.Equal(["ledger.json"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("")]
    [InlineData("{\"version\": 7, \"images\": {}}")]
    public void A_corrupt_ledger_is_moved_aside_and_rebuilt_untrusted(string content)
    {
        File.WriteAllText(PathOf(), content);
        var load = LedgerStore.Load(PathOf(), Scene.Now);

        Assert.False(load.Readable);
        Assert.Empty(load.Ledger.Entries);
        var aside = PathOf("ledger.json.corrupt-20261130T030000Z");
        Assert.True(File.Exists(aside));
        Assert.False(File.Exists(PathOf()));
        Assert.Contains($"moved aside to {aside}", Assert.Single(load.Warnings));
        Assert.Equal(content, File.ReadAllText(aside));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
