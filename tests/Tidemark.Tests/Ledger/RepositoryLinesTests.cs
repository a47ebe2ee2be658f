using Tidemark.Cli.State;
using Tidemark.Core.Inventory;
using Tidemark.Core.Ledger;
using Tidemark.Simulation;
using Tidemark.Simulation.Traces;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Ledger;

/// <summary>Issue 11: tags are not versions, repository history survives a timer run, and tags move in simulation.</summary>
public sealed class RepositoryLinesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tidemark-lines-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ImageRecord Image(string id, string tag) => new(id, "", [tag], [], Scene.Now.AddDays(-9), 100, 0);

    private static void Use(UsageLedger ledger, string id, string tag, int minutes) =>
        ledger.Apply(new UsageEvent(Scene.Now.AddMinutes(minutes), UsageKind.ContainerCreated, id, tag));

    [Fact]
    public void A_newer_version_of_a_line_supersedes_the_older()
    {
        var ledger = new UsageLedger();
        Use(ledger, "sha256:a1", "ci/app:v1", 0);
        Use(ledger, "sha256:a2", "ci/app:v2", 10);
        Use(ledger, "sha256:a2", "ci/app:v2", 20);

        Assert.True(ledger.IsSuperseded(Image("sha256:a1", "ci/app:v1")));
        Assert.False(ledger.IsSuperseded(Image("sha256:a2", "ci/app:v2")));
    }

    [Fact]
    public void Tags_of_one_repository_used_in_turn_are_lines_of_their_own()
    {
        var ledger = new UsageLedger();
        Use(ledger, "sha256:f15", "postgres:15", 0);
        Use(ledger, "sha256:f16", "postgres:16", 10);
        Use(ledger, "sha256:f15", "postgres:15", 20);
        Use(ledger, "sha256:f16", "postgres:16", 30);

        // Whichever ran last, the other is still in use: neither supersedes the other.
        Assert.False(ledger.IsSuperseded(Image("sha256:f15", "postgres:15")));
        Assert.False(ledger.IsSuperseded(Image("sha256:f16", "postgres:16")));
    }

    [Fact]
    public void Repository_history_is_saved_with_the_ledger_so_a_timer_run_knows_it()
    {
        var ledger = new UsageLedger();
        Use(ledger, "sha256:a1", "ci/app:v1", 0);
        Use(ledger, "sha256:a2", "ci/app:v2", 10);
        Use(ledger, "sha256:f15", "postgres:15", 0);
        Use(ledger, "sha256:f16", "postgres:16", 10);
        Use(ledger, "sha256:f15", "postgres:15", 20);
        var path = Path.Combine(_dir, "ledger.json");

        Assert.Null(LedgerStore.Save(path, ledger));
        var loaded = LedgerStore.Load(path, Scene.Now.AddHours(1));

        Assert.True(loaded.Readable);
        Assert.Equal(ledger.Repositories.Keys.Order(), loaded.Ledger.Repositories.Keys.Order());
        Assert.True(loaded.Ledger.IsSuperseded(Image("sha256:a1", "ci/app:v1")));
        Assert.True(loaded.Ledger.Repositories["postgres"].Coexisting);
        Assert.Equal(ledger.Repositories["ci/app"].RecentUses, loaded.Ledger.Repositories["ci/app"].RecentUses);
    }

    [Theory]
    [InlineData("""{"version":1,"eventsSeenUntil":null,"images":{},"repositories":{"ci/app":null}}""")]
    [InlineData("""{"version":1,"eventsSeenUntil":null,"images":{},"repositories":{"ci/app":{"recentUses":[]}}}""")]
    [InlineData("""{"version":1,"eventsSeenUntil":null,"images":{},"repositories":{"ci/app":{"lastUsed":"2026-11-30T03:00:00Z","recentUses":[],"latest":"nope","latestSince":"2026-11-30T03:00:00Z"}}}""")]
    public void A_damaged_repository_history_sets_the_ledger_aside(string content)
    {
        var path = Path.Combine(_dir, "ledger.json");
        File.WriteAllText(path, content);

        var loaded = LedgerStore.Load(path, Scene.Now, setAside: false);

        Assert.False(loaded.Readable);
    }

    [Fact]
    public void In_simulation_a_moving_tag_leaves_the_previous_image_dangling()
    {
        var store = new SimStore(10_000);
        var old = new TraceImage("sha256:old", "ci/app:main", Scene.Now, [new TraceLayer("sha256:l1", 10, 100)]);
        var fresh = new TraceImage("sha256:new", "ci/app:main", Scene.Now, [new TraceLayer("sha256:l2", 10, 100)]);

        store.Add(old);
        store.Add(fresh);

        Assert.True(store.IsDangling("sha256:old"));
        Assert.Equal(["ci/app:main"], store.TagsOf("sha256:new"));
        store.Add(old);
        Assert.Equal(["ci/app:main"], store.TagsOf("sha256:old"));
        Assert.True(store.IsDangling("sha256:new"));
        Assert.NotNull(store.Remove("sha256:old"));
        Assert.True(store.IsDangling("sha256:new"));
    }

    [Fact]
    public void Tidemark_in_simulation_prunes_what_a_moving_tag_left_dangling()
    {
        // Three builds of ci/app:main, each 40 units: on a disk of 100 the third needs the first gone.
        var t0 = Scene.Now;
        var builds = Enumerable.Range(1, 3).Select(i => new TraceImage($"sha256:b{i}", "ci/app:main", t0.AddDays(-30),
            [new TraceLayer($"sha256:l{i}", 40, 40)])).ToList();
        var events = new List<TraceEvent>();
        for (var i = 0; i < 3; i++)
        {
            var at = t0.AddDays(i);
            events.Add(new TraceEvent(at, TraceKind.RunStart, Run: $"r{i}", Stack: $"r{i}_ci_app"));
            events.Add(new TraceEvent(at.AddSeconds(5), TraceKind.Pull, builds[i], $"r{i}"));
            events.Add(new TraceEvent(at.AddSeconds(10), TraceKind.Use, builds[i], $"r{i}"));
            events.Add(new TraceEvent(at.AddMinutes(10), TraceKind.RunEnd, Run: $"r{i}", Stack: $"r{i}_ci_app"));
            events.Add(new TraceEvent(at.AddHours(1), TraceKind.Tick));
        }

        var result = PolicySet.Run("tidemark-timer", new Trace(events, 100, "moving tag"), 100);

        Assert.Equal(0, result.FailedJobs);
        Assert.Equal(120, result.BytesDownloaded);
    }
}
