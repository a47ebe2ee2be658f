using System.Text.Json;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>The usage ledger on a real host: persisted across runs, recovered when corrupt.</summary>
public sealed class LedgerTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    private static JsonElement Entry(string ledgerPath, string imageId) =>
        JsonDocument.Parse(File.ReadAllText(ledgerPath)).RootElement.GetProperty("images").GetProperty(imageId);

    [Fact]
    public async Task The_ledger_survives_a_restart_and_records_uses_between_runs()
    {
        var ids = await LoadAsync([FixtureImage.Tagged("ci/kept:1", Now.AddDays(-3)), FixtureImage.Tagged("ci/used:1", Now.AddDays(-3))]);
        var config = Sandbox.Config("[disk]\nhigh_watermark_percent = 99\nlow_watermark_percent = 98\n");
        var ledger = Path.Combine(Path.GetDirectoryName(config)!, "ledger.json");

        await Sandbox.TidemarkAsync("run", "--config", config);
        var firstSeen = Entry(ledger, ids[0]).GetProperty("firstSeen").GetDateTimeOffset();
        Docker.Cli("run", "--rm", "--network", "none", "ci/used:1", "true");
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        await Sandbox.TidemarkAsync("run", "--config", config);

        Assert.Equal(firstSeen, Entry(ledger, ids[0]).GetProperty("firstSeen").GetDateTimeOffset());
        Assert.Equal(0, Entry(ledger, ids[0]).GetProperty("useCount").GetInt64());
        var used = Entry(ledger, ids[1]);
        Assert.Equal(1, used.GetProperty("useCount").GetInt64());
        Assert.True(used.GetProperty("lastUsed").GetDateTimeOffset() > firstSeen);
        Assert.Contains("ci/used:1", used.GetProperty("references").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task A_corrupt_ledger_is_set_aside_rebuilt_and_nothing_is_evicted_on_it()
    {
        await LoadAsync([FixtureImage.Tagged("ci/old:1", Now.AddDays(-90), new Layer("corrupt-case", 5_000_000))]);
        // Pressure by configuration: any use is over 2%, and every image is old enough.
        var config = Sandbox.Config("[prune]\nmin_age = \"0s\"\n[disk]\nhigh_watermark_percent = 2\nlow_watermark_percent = 1\n");
        var dir = Path.GetDirectoryName(config)!;
        var ledger = Path.Combine(dir, "ledger.json");
        File.WriteAllText(ledger, "{\"version\": 1, \"images\": {\"sha256:x\": {\"firstSeen\": 12");

        var run = await Sandbox.TidemarkAsync("run", "--json", "--config", config);

        Assert.Equal(0, run.ExitCode);
        var notes = run.Json.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList();
        Assert.Contains(notes, n => n.StartsWith("warning: usage ledger", StringComparison.Ordinal) && n.Contains("moved aside to"));
        Assert.Contains(notes, n => n.StartsWith("stage 2 skipped: the usage ledger could not be read", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Actions, a => a.GetProperty("stage").GetInt32() == 2);
        Assert.Contains("ci/old:1", Docker.Tags());
        Assert.Single(Directory.GetFiles(dir, "ledger.json.corrupt-*"));
        Assert.True(JsonDocument.Parse(File.ReadAllText(ledger)).RootElement.GetProperty("images").EnumerateObject().Any());
    }

    [Fact]
    public async Task The_ledger_holds_the_daemons_id_and_one_written_for_another_daemon_is_not_applied()
    {
        var ids = await LoadAsync([FixtureImage.Tagged("ci/mine:1", Now.AddDays(-3))]);
        var config = Sandbox.Config(QuietDisk);
        var ledger = Path.Combine(Path.GetDirectoryName(config)!, "ledger.json");
        await Sandbox.TidemarkAsync("run", "--config", config);
        var daemonId = JsonDocument.Parse(File.ReadAllText(ledger)).RootElement.GetProperty("daemonId").GetString();
        Assert.Equal(Docker.Cli("info", "--format", "{{.ID}}"), daemonId);

        // The same file, as another daemon would have written it: its history must not apply here.
        File.WriteAllText(ledger, File.ReadAllText(ledger).Replace(daemonId!, "ZZZZ:another-daemon", StringComparison.Ordinal));
        var run = await Sandbox.TidemarkAsync("run", "--config", config);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("written for another daemon", run.Stderr);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(config)!, "ledger.json.corrupt-*"));
        Assert.Equal(daemonId, JsonDocument.Parse(File.ReadAllText(ledger)).RootElement.GetProperty("daemonId").GetString());
        Assert.True(Entry(ledger, ids[0]).GetProperty("firstSeen").GetDateTimeOffset() > Now.AddMinutes(-1));
    }

    [Fact]
    public async Task Images_a_run_removes_leave_the_ledger_at_the_end_of_that_run()
    {
        var ids = await LoadAsync([
            FixtureImage.Tagged("ci/goes:1", Now.AddDays(-10), new Layer("ledger-goes", 3_000_000)),
            FixtureImage.Tagged("ci/stays:1", Now.AddDays(-10), new Layer("ledger-stays", 3_000_000)),
        ]);
        var config = await KnownAndUnderPressureAsync(1, pruneKeys: "protect = [\"ci/stays:*\"]\n");
        var ledger = Path.Combine(Path.GetDirectoryName(config)!, "ledger.json");

        var run = await Sandbox.TidemarkAsync("run", "--json", "--config", config);

        Assert.Equal("done", Assert.Single(run.Actions).GetProperty("status").GetString());
        var images = JsonDocument.Parse(File.ReadAllText(ledger)).RootElement.GetProperty("images");
        Assert.False(images.TryGetProperty(ids[0], out _));
        Assert.True(images.TryGetProperty(ids[1], out _));
    }
}
