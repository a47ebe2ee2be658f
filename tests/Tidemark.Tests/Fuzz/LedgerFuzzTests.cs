using System.Text;
using CsCheck;
using Tidemark.Cli.State;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Fuzz;

/// <summary>
/// Issue 7: the ledger parser on any bytes never throws; what it accepts holds no time after now
/// (a clock step is clamped) and no negative count. A file can still claim an old last use: who
/// can write the ledger can reorder evictions (docs/security.md), which no parser can tell.
/// </summary>
public sealed class LedgerFuzzTests
{
    private static readonly byte[] Valid = BuildValid();

    private static byte[] BuildValid()
    {
        var ledger = new UsageLedger();
        for (var i = 0; i < 3; i++)
        {
            var id = "sha256:" + new string((char)('a' + i), 64);
            ledger.Apply(new UsageEvent(Scene.Now.AddHours(-i), UsageKind.ContainerCreated, id, $"app{i}:1"));
            ledger.CacheLayers(id, [new LayerFact("sha256:" + new string('c', 64), 100 * i)]);
        }

        ledger.MarkEventsSeen(Scene.Now);
        var dir = Directory.CreateTempSubdirectory("tidemark-ledger-fuzz-").FullName;
        try
        {
            var path = Path.Combine(dir, "ledger.json");
            Assert.Null(LedgerStore.Save(path, ledger));
            return File.ReadAllBytes(path);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>JSON documents shaped like a ledger, with fields missing, null, of the wrong type or far in the future.</summary>
    private static readonly Gen<string> Documents =
        from version in Gen.OneOf<string>("1", "2", "\"1\"", "null", "1.5")
        from seen in Gen.OneOf<string>("", ",\"eventsSeenUntil\":null", ",\"eventsSeenUntil\":\"2026-11-30T03:00:00Z\"", ",\"eventsSeenUntil\":\"9999-12-31T23:59:59Z\"", ",\"eventsSeenUntil\":5")
        from entries in Gen.Select(
            Gen.OneOf<string>("sha256:aa", "sha256:" + new string('b', 64), "", "nope", "sha256:XYZ"),
            Gen.OneOf<string>("\"2026-11-29T03:00:00Z\"", "\"9999-01-01T00:00:00Z\"", "null", "\"yesterday\"", "0"),
            Gen.OneOf<string>("\"2026-11-29T03:00:00Z\"", "\"2099-01-01T00:00:00Z\"", "null"),
            Gen.OneOf<string>("1", "-5", "\"x\"", "99999999999999999999"),
            Gen.OneOf<string>("[]", "[\"app:1\"]", "[null]", "null", "{}"),
            Gen.OneOf<string>("[]", "[\"2026-11-29T03:00:00Z\",\"9999-01-01T00:00:00Z\"]", "null", "[1]"),
            Gen.OneOf<string>("", ",\"layers\":null", ",\"layers\":[]", ",\"layers\":[null]", ",\"layers\":[{\"chainId\":\"sha256:cc\",\"size\":-1}]", ",\"layers\":[{\"chainId\":\"sha256:cc\",\"size\":5}]"))
            .Array[0, 4]
        from imagesNull in Gen.Int[0, 9]
        select "{\"version\":" + version + seen + ",\"images\":" + (imagesNull == 0 ? "null" : "{" + string.Join(",", entries.Select(e =>
            $"\"{e.Item1}\":{{\"firstSeen\":{e.Item2},\"lastUsed\":{e.Item3},\"useCount\":{e.Item4},\"references\":{e.Item5},\"recentUses\":{e.Item6}{e.Item7}}}")) + "}") + "}";

    private static void Parses(byte[] bytes)
    {
        var (ledger, _, problem) = LedgerStore.Parse(bytes, Scene.Now);
        Assert.True(ledger is null != (problem is null));
        if (ledger is null)
        {
            return;
        }

        var latest = Scene.Now.AddMinutes(1);
        Assert.True(ledger.EventsSeenUntil is null || ledger.EventsSeenUntil <= latest);
        foreach (var (_, e) in ledger.Entries)
        {
            Assert.True(e.LastUsed <= latest && e.FirstSeen <= latest);
            Assert.All(e.RecentUses, t => Assert.True(t <= latest));
            Assert.True(e.UseCount >= 0);
            Assert.True(e.Layers is null || e.Layers.All(l => l.Size >= 0));
        }
    }

    [Fact]
    public void Ledger_shaped_documents_parse_safely_or_are_refused() =>
        Documents.Sample(d => Parses(Encoding.UTF8.GetBytes(d)), iter: Mutations.Cases);

    [Fact]
    public void Random_bytes_never_crash_the_ledger_parser() =>
        Mutations.RandomBytes.Sample(Parses, iter: Mutations.Cases);

    [Fact]
    public void A_damaged_ledger_never_crashes_the_parser() =>
        Mutations.Damaged(Valid).Sample(Parses, iter: Mutations.Cases);

    [Fact]
    public void The_valid_seed_is_valid() => Assert.Null(LedgerStore.Parse(Valid, Scene.Now).Problem);
}
