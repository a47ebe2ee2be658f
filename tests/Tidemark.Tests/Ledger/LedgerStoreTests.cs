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

    // Issue 7, defect 4: states that are valid JSON but not a ledger used to fail every run (exit 70).
    [Theory]
    [InlineData("{\"version\":1}")]
    [InlineData("{\"version\":1,\"images\":null}")]
    [InlineData("{\"version\":1,\"images\":{\"sha256:aa\":null}}")]
    [InlineData("{\"version\":1,\"images\":{\"sha256:aa\":{\"useCount\":1,\"references\":[],\"recentUses\":[]}}}")]
    [InlineData("{\"version\":1,\"images\":{\"sha256:aa\":{\"firstSeen\":\"2026-01-01T00:00:00Z\",\"lastUsed\":\"2026-01-01T00:00:00Z\",\"references\":[null],\"recentUses\":[]}}}")]
    [InlineData("{\"version\":1,\"images\":{\"not-an-id\":{\"firstSeen\":\"2026-01-01T00:00:00Z\",\"lastUsed\":\"2026-01-01T00:00:00Z\",\"references\":[],\"recentUses\":[]}}}")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"version\":\"1\"}")]
    public void A_ledger_the_code_cannot_use_is_set_aside_like_a_corrupt_one(string content)
    {
        File.WriteAllText(PathOf(), content);
        var load = LedgerStore.Load(PathOf(), Scene.Now);

        Assert.Null(load.Error);
        Assert.False(load.Readable);
        Assert.Empty(load.Ledger.Entries);
        Assert.Contains("is unusable", Assert.Single(load.Warnings));
        Assert.False(File.Exists(PathOf()));
    }

    [Fact]
    public void Plan_mode_says_it_would_set_the_ledger_aside_but_leaves_it()
    {
        File.WriteAllText(PathOf(), "{ not json");
        var load = LedgerStore.Load(PathOf(), Scene.Now, setAside: false);

        Assert.False(load.Readable);
        Assert.Equal("{ not json", File.ReadAllText(PathOf()));
        Assert.Contains("a run will move it aside", Assert.Single(load.Warnings));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Times_in_the_future_are_clamped_to_now_with_a_warning()
    {
        var ledger = new UsageLedger();
        ledger.Apply(new UsageEvent(Scene.Now.AddDays(3), UsageKind.ContainerCreated, "sha256:aa", "app:1"));
        ledger.MarkEventsSeen(Scene.Now.AddDays(3));
        Assert.Null(LedgerStore.Save(PathOf(), ledger));

        var load = LedgerStore.Load(PathOf(), Scene.Now);

        Assert.True(load.Readable);
        Assert.Equal(Scene.Now, load.Ledger.EventsSeenUntil);
        Assert.Equal(Scene.Now, load.Ledger.Find("sha256:aa")!.LastUsed);
        Assert.Contains("times in the future", Assert.Single(load.Warnings));
    }

    [Fact]
    public void A_ledger_path_that_is_a_directory_or_a_fifo_is_an_error_not_no_history()
    {
        Directory.CreateDirectory(PathOf("dir.json"));
        Assert.Contains("is a directory", LedgerStore.Load(PathOf("dir.json"), Scene.Now).Error);
        Assert.Contains("is a directory", LedgerStore.Save(PathOf("dir.json"), new UsageLedger()));

        using (var mk = System.Diagnostics.Process.Start("mkfifo", [PathOf("fifo.json")]))
        {
            mk.WaitForExit();
        }

        Assert.Contains("not a regular file", LedgerStore.Load(PathOf("fifo.json"), Scene.Now).Error);
    }

    // Issue 7, defect 10: nothing planted in the ledger's directory is followed.
    [Fact]
    public void Saving_replaces_a_symlink_at_the_ledger_path_and_never_writes_through_it()
    {
        var victim = PathOf("victim");
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink(PathOf(), victim);

        Assert.Null(LedgerStore.Save(PathOf(), new UsageLedger()));

        Assert.Equal("precious", File.ReadAllText(victim));
        Assert.Null(new FileInfo(PathOf()).LinkTarget);
    }

    [Fact]
    public void The_saved_ledger_and_a_created_directory_are_private_whatever_the_umask()
    {
        Assert.Null(LedgerStore.Save(PathOf("new/ledger.json"), new UsageLedger()));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PathOf("new/ledger.json")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(PathOf("new")));
    }

    [Fact]
    public void Temporary_names_are_random_so_a_planted_temp_file_is_never_used()
    {
        // The old temp name was .ledger.json.PID.tmp: a symlink planted there was written through.
        var victim = PathOf("victim");
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink(PathOf($".ledger.json.{Environment.ProcessId}.tmp"), victim);

        Assert.Null(LedgerStore.Save(PathOf(), new UsageLedger()));

        Assert.Equal("precious", File.ReadAllText(victim));
    }

    // Issue 8: a ledger knows whose history it holds.
    [Fact]
    public void A_ledger_written_for_another_daemon_is_set_aside_not_applied()
    {
        var ledger = new UsageLedger { DaemonId = "AAAA:one-daemon" };
        ledger.Apply(new UsageEvent(Scene.Now, UsageKind.ContainerCreated, "sha256:aa", "app:1"));
        Assert.Null(LedgerStore.Save(PathOf(), ledger));

        var other = LedgerStore.Load(PathOf(), Scene.Now, daemonId: "BBBB:another-daemon");

        Assert.False(other.Readable);
        Assert.Empty(other.Ledger.Entries);
        Assert.Contains("written for another daemon", Assert.Single(other.Warnings));
        Assert.False(File.Exists(PathOf()));
    }

    [Fact]
    public void The_same_daemon_or_a_ledger_that_does_not_say_is_applied()
    {
        var ledger = new UsageLedger { DaemonId = "AAAA:one-daemon" };
        ledger.Apply(new UsageEvent(Scene.Now, UsageKind.ContainerCreated, "sha256:aa", "app:1"));
        Assert.Null(LedgerStore.Save(PathOf(), ledger));
        var same = LedgerStore.Load(PathOf(), Scene.Now.AddHours(1), daemonId: "AAAA:one-daemon");
        Assert.True(same.Readable);
        Assert.Equal("AAAA:one-daemon", same.Ledger.DaemonId);

        Assert.Null(LedgerStore.Save(PathOf(), new UsageLedger()));
        Assert.True(LedgerStore.Load(PathOf(), Scene.Now, daemonId: "BBBB:another-daemon").Readable);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
