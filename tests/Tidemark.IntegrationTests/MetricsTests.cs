using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>
/// Issue 9: the metrics a timer's runs leave for node_exporter, and the page watch serves, on a
/// real daemon; both validated with promtool.
/// </summary>
public sealed class MetricsTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    private static readonly Layer Base = new("metrics-base", 4_000_000);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static double Value(string exposition, string series)
    {
        var line = exposition.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no {series} in\n{exposition}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static void AssertPromtoolAccepts(string file)
    {
        var psi = new ProcessStartInfo("sh", ["-c", "promtool check metrics < \"$1\"", "sh", file]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var promtool = Process.Start(psi)!;
        var output = promtool.StandardOutput.ReadToEnd() + promtool.StandardError.ReadToEnd();
        promtool.WaitForExit();
        Assert.True(promtool.ExitCode == 0 && output.Trim().Length == 0, $"promtool: {output}\n{File.ReadAllText(file)}");
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    [Fact]
    public async Task Timer_runs_leave_a_valid_textfile_whose_counters_add_up_across_runs()
    {
        await LoadAsync([
            FixtureImage.Tagged("ci/web:1", Now.AddDays(-40), Base),
            FixtureImage.Dangling(Now.AddDays(-10), Base, new Layer("metrics-old-1", 5_000_000)),
            FixtureImage.Dangling(Now.AddDays(-12), Base, new Layer("metrics-old-2", 6_000_000)),
        ]);
        Sandbox.FillTo(82);
        var config = Sandbox.Config("");
        var file = Path.Combine(Path.GetDirectoryName(config)!, "tidemark.prom");

        var acted = await Sandbox.TidemarkAsync("run", "--json", "--config", config, "--metrics-file", file);

        Assert.True(acted.ExitCode == 0, acted.ToString());
        var text = File.ReadAllText(file);
        AssertPromtoolAccepts(file);
        Assert.Equal(1, Value(text, "tidemark_cycles_total{outcome=\"acted\"}"));
        Assert.Equal(acted.Json.GetProperty("reclaimedBytes").GetInt64(), Value(text, "tidemark_reclaimed_bytes_total{stage=\"1\"}"));
        Assert.Equal(2, Value(text, "tidemark_removed_objects_total{stage=\"1\"}"));
        Assert.Equal(1, Value(text, "tidemark_daemon_up"));
        Assert.Equal(1, Value(text, "tidemark_gate_passed{gate=\"disk\"}"));
        Assert.Equal(1, Value(text, "tidemark_ledger_saved"));
        Assert.InRange(Value(text, "tidemark_last_success_timestamp_seconds"), Now.AddMinutes(-5).ToUnixTimeSeconds(), Now.ToUnixTimeSeconds());
        var path = $"path=\"{Sandbox.DataRoot}\"";
        // The disk as the run left it.
        Assert.Equal(acted.Json.GetProperty("diskAfter").GetProperty("usedBytes").GetInt64(), Value(text, $"tidemark_disk_used_bytes{{{path}}}"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(file));

        // The next run, from [metrics] file this time, below the watermark: it continues the counters.
        Sandbox.RemoveBallast();
        var withKey = Sandbox.Config($"[metrics]\nfile = \"{file}\"\n[ledger]\npath = \"{Path.GetDirectoryName(config)}/ledger.json\"\n");
        var quiet = await Sandbox.TidemarkAsync("run", "--config", withKey);

        Assert.True(quiet.ExitCode == 0, quiet.ToString());
        text = File.ReadAllText(file);
        AssertPromtoolAccepts(file);
        Assert.Equal(1, Value(text, "tidemark_cycles_total{outcome=\"acted\"}"));
        Assert.Equal(1, Value(text, "tidemark_cycles_total{outcome=\"nothing-to-do\"}"));
        Assert.Equal(acted.Json.GetProperty("reclaimedBytes").GetInt64(), Value(text, "tidemark_reclaimed_bytes_total{stage=\"1\"}"));
        Assert.Equal(0, Value(text, "tidemark_gate_passed{gate=\"disk\"}"));
    }

    [Fact]
    public async Task A_run_that_cannot_reach_the_daemon_says_so_and_keeps_the_last_success()
    {
        var config = Sandbox.Config(QuietDisk);
        var file = Path.Combine(Path.GetDirectoryName(config)!, "tidemark.prom");
        var ok = await Sandbox.TidemarkAsync("run", "--config", config, "--metrics-file", file);
        Assert.True(ok.ExitCode == 0, ok.ToString());
        var success = Value(File.ReadAllText(file), "tidemark_last_success_timestamp_seconds");

        var down = await Sandbox.TidemarkAsync(new Dictionary<string, string> { ["DOCKER_HOST"] = $"unix://{Path.GetDirectoryName(config)}/no-daemon.sock" },
            "run", "--config", config, "--metrics-file", file);

        Assert.True(down.ExitCode == 69, down.ToString());
        var text = File.ReadAllText(file);
        AssertPromtoolAccepts(file);
        Assert.Equal(0, Value(text, "tidemark_daemon_up"));
        Assert.Equal(1, Value(text, "tidemark_cycles_total{outcome=\"failed\"}"));
        Assert.Equal(1, Value(text, "tidemark_cycles_total{outcome=\"blocked\"}") + Value(text, "tidemark_cycles_total{outcome=\"nothing-to-do\"}"));
        Assert.Equal(success, Value(text, "tidemark_last_success_timestamp_seconds"));
    }

    [Fact]
    public async Task A_metrics_file_that_cannot_be_written_fails_the_run_with_74_and_says_where()
    {
        var config = Sandbox.Config(QuietDisk);
        // A regular file where its directory should be.
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(config)!, "not-a-dir"), "");
        var file = Path.Combine(Path.GetDirectoryName(config)!, "not-a-dir", "tidemark.prom");

        var run = await Sandbox.TidemarkAsync("run", "--config", config, "--metrics-file", file);

        Assert.True(run.ExitCode == 74, run.ToString());
        Assert.Contains($"could not write the metrics file {file}", run.Stderr);
        // The run itself completed: its ledger is saved.
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(config)!, "ledger.json")));
    }

    [Fact]
    public async Task Plan_and_dry_run_write_no_metrics()
    {
        var config = Sandbox.Config($"[metrics]\nfile = \"{Sandbox.WorkDir}/never.prom\"\n" + QuietDisk);

        Assert.Equal(0, (await Sandbox.TidemarkAsync("plan", "--config", config)).ExitCode);
        Assert.Equal(0, (await Sandbox.TidemarkAsync("run", "--dry-run", "--config", config)).ExitCode);

        Assert.False(File.Exists(Path.Combine(Sandbox.WorkDir, "never.prom")));
    }

    [Fact]
    public async Task Watch_serves_metrics_on_loopback_and_writes_the_file_after_each_cycle()
    {
        var port = FreePort();
        var dir = Directory.CreateTempSubdirectory("tidemark-watch-metrics-").FullName;
        var file = Path.Combine(dir, "tidemark.prom");
        var config = Sandbox.Config($"[metrics]\nfile = \"{file}\"\nlisten = \"127.0.0.1:{port}\"\n[watch]\ninterval = \"1h\"\n" + QuietDisk);

        using var watch = new TidemarkProcess(Docker.Host, "watch", "--config", config);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(file) && DateTime.UtcNow < deadline && !watch.HasExited)
        {
            await Task.Delay(200, Ct);
        }

        Assert.True(File.Exists(file), watch.Output);
        AssertPromtoolAccepts(file);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var page = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"), Ct);
        var scraped = Path.Combine(dir, "scraped.prom");
        await File.WriteAllTextAsync(scraped, page, Ct);
        AssertPromtoolAccepts(scraped);
        Assert.Equal(1, Value(page, "tidemark_daemon_up"));
        Assert.Equal(1, Value(page, "tidemark_cycles_total{outcome=\"nothing-to-do\"}"));
        Assert.Equal(0.99, Value(page, "tidemark_watermark_ratio{kind=\"high\"}"));

        // Images that add bytes start a cycle: the page and the file follow it.
        await LoadAsync([FixtureImage.Tagged("ci/new:1", Now, Base)]);
        deadline = DateTime.UtcNow.AddSeconds(60);
        while (Value(await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"), Ct), "tidemark_cycles_total{outcome=\"nothing-to-do\"}") < 2
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500, Ct);
        }

        Assert.Equal(2, Value(File.ReadAllText(file), "tidemark_cycles_total{outcome=\"nothing-to-do\"}"));
        Assert.Equal(0, watch.Terminate(TimeSpan.FromSeconds(30)));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Watch_will_not_start_when_its_metrics_address_is_taken()
    {
        var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var config = Sandbox.Config($"[metrics]\nlisten = \"127.0.0.1:{port}\"\n" + QuietDisk);

            using var watch = new TidemarkProcess(Docker.Host, "watch", "--config", config);

            Assert.Equal(69, watch.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.Contains(watch.Stderr, l => l.Contains($"cannot serve metrics on 127.0.0.1:{port}", StringComparison.Ordinal));
        }
        finally
        {
            taken.Stop();
        }
    }
}
