using System.Text.Json;
using System.Text.RegularExpressions;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>
/// Issue 8's streams, through the real process: watch --json is JSON Lines from start to stop
/// (pressure, removals, a daemon restart, SIGTERM); under systemd every line carries its
/// priority; a long run prints each removal as it happens.
/// </summary>
public sealed class StreamTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private async Task<string> ImagesUnderPressureAsync(int count, string sections = "")
    {
        await LoadAsync(Enumerable.Range(0, count)
            .Select(i => FixtureImage.Tagged($"str/app{i:D3}:1", Now.AddDays(-10), new Layer($"str-{i}", 4_096)))
            .ToList());
        return await KnownAndUnderPressureAsync(30, sections: sections);
    }

    [Fact]
    public async Task Watch_json_is_json_lines_through_removals_a_daemon_restart_and_a_stop()
    {
        var config = await ImagesUnderPressureAsync(5, "[watch]\ninterval = \"2s\"\n");

        using var watch = new TidemarkProcess(Docker.Host, "watch", "--json", "--config", config);
        watch.WaitFor("\"event\":\"cycle\"", Patience);
        RestartDaemon(watch, "\"event\":\"daemon-lost\"");
        watch.WaitFor("\"event\":\"daemon-back\"", Patience);
        Assert.Equal(0, watch.Terminate(Patience));

        var lines = watch.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var events = lines.Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            return doc.RootElement.GetProperty("event").GetString();
        }).ToList();
        Assert.Equal("started", events[0]);
        Assert.Equal("stopped", events[^1]);
        Assert.Contains("cycle", events);
        Assert.Contains("daemon-lost", events);
        Assert.Contains("daemon-back", events);
        var cycle = JsonDocument.Parse(lines.First(l => l.Contains("\"event\":\"cycle\"", StringComparison.Ordinal))).RootElement;
        Assert.True(cycle.GetProperty("actions").GetArrayLength() > 0);
    }

    [Fact]
    public async Task Under_systemd_every_line_carries_its_priority_and_no_timestamp()
    {
        var config = await ImagesUnderPressureAsync(3);
        var env = new Dictionary<string, string> { ["JOURNAL_STREAM"] = "8:123456" };

        using var run = new TidemarkProcess(Docker.Host, env, "run", "-v", "--config", config);
        Assert.Equal(0, run.WaitForExit(Patience));

        Assert.NotEmpty(run.Lines);
        Assert.All(run.Lines, l => Assert.Matches(new Regex(@"^(stderr: )?<[3467]>"), l));
        Assert.Contains(run.Lines, l => l.StartsWith("<6>stage 2 image", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l.StartsWith("<6>result: reclaimed", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Lines, l => Regex.IsMatch(l, @"^(stderr: )?<\d>\d{4}-\d\d-\d\dT"));
    }

    [Fact]
    public async Task Watch_text_lines_carry_an_rfc3339_timestamp()
    {
        var config = Sandbox.Config(QuietDisk + "[watch]\ninterval = \"1h\"\n");
        using var watch = new TidemarkProcess(Docker.Host, "watch", "--log-format", "text", "--config", config);
        watch.WaitFor("result: blocked by disk", Patience);
        Assert.Equal(0, watch.Terminate(Patience));

        Assert.All(watch.Lines, l => Assert.Matches(new Regex(@"^(stderr: )?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "), l));
    }

    [Fact]
    public async Task A_long_run_prints_each_removal_as_it_happens()
    {
        var config = await ImagesUnderPressureAsync(120);

        using var run = new TidemarkProcess(Docker.Host, "run", "--config", config);
        FixtureDocker.WaitUntil(() => run.Lines.Count(l => l.Contains("stage 2 image           removed", StringComparison.Ordinal)) >= 3 || run.HasExited, Patience);
        var seenWhileRunning = !run.HasExited;
        Assert.Equal(0, run.WaitForExit(Patience));

        Assert.True(seenWhileRunning, "the removals were only printed at the end:\n" + run.Output);
        Assert.Equal(120, run.Lines.Count(l => l.Contains("stage 2 image           removed", StringComparison.Ordinal)));
        // Reading 120 images' layers for the first time says so, before the plan.
        Assert.Contains(run.Lines, l => l.StartsWith("reading the layers of 120 images", StringComparison.Ordinal));
        Assert.Contains(run.Lines, l => l == "read the layers of 120 of 120 images");
    }
}
