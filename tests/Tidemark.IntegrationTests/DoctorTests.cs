using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>`tidemark doctor` against the sandbox daemon and its registries, with fixture hosts for the pruner scan.</summary>
public sealed class DoctorTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    /// <summary>An empty host root: no unit or cron file, so the machine running the tests cannot change the verdict.</summary>
    private string EmptyRoot()
    {
        var root = Path.Combine(Sandbox.WorkDir, "root-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        return root;
    }

    private static IEnumerable<System.Text.Json.JsonElement> Checks(CliRun run, string area) =>
        run.Json.GetProperty("checks").EnumerateArray().Where(c => c.GetProperty("area").GetString() == area);

    [Fact]
    public async Task Doctor_reports_the_daemon_the_disk_and_the_registry_user_and_never_the_secret()
    {
        var login = ProbeTests.LoginConfig(Sandbox);
        var config = Sandbox.Config(QuietDisk + $"[registry]\ndocker_config = \"{login}\"\n");

        var text = await Sandbox.TidemarkAsync("doctor", "--config", config, "--root", EmptyRoot());
        var json = await Sandbox.TidemarkAsync("doctor", "--config", config, "--root", EmptyRoot(), "--json");

        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Matches(@"(?m)^ok   daemon +Docker Engine \S+ at unix://", text.Stdout);
        Assert.Contains($"data root {Sandbox.DataRoot} on ext4", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("swarm: active, this node is a manager", text.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^ok   disk +space on \S+: \d+ % used", text.Stdout);
        Assert.Contains($"{Sandbox.AuthRegistry}: user {Sandbox.AuthUser} (inline auth)", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("competing pruners could not be looked for", text.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^doctor: \d+ ok, \d+ warn, 0 fail$", text.Stdout);

        // The secret, and the encoded string that carries it, appear nowhere.
        var encoded = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Sandbox.AuthUser}:{Sandbox.AuthPassword()}"));
        foreach (var output in new[] { text.ToString(), json.ToString() })
        {
            Assert.DoesNotContain(Sandbox.AuthPassword(), output, StringComparison.Ordinal);
            Assert.DoesNotContain(encoded, output, StringComparison.Ordinal);
        }

        var credentials = Assert.Single(Checks(json, "credentials"), c => c.GetProperty("status").GetString() == "ok");
        Assert.Contains(Sandbox.AuthUser, credentials.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, json.Json.GetProperty("summary").GetProperty("fail").GetInt32());
    }

    [Fact]
    public async Task The_rate_limit_a_registry_reports_is_read_with_a_head_request_and_an_exhausted_one_fails()
    {
        await LoadAsync([FixtureImage.Tagged("limits/src:1", Now.AddDays(-1), new Layer("doctor-limits", 100_000))]);
        foreach (var repo in new[] { "team/app", "ratelimit-exhausted/app" })
        {
            Docker.Cli("tag", "limits/src:1", $"{Sandbox.LimitRegistry}/{repo}:1");
            Docker.Cli("push", $"{Sandbox.LimitRegistry}/{repo}:1");
        }

        var config = Sandbox.Config(QuietDisk);
        var fine = await Sandbox.TidemarkAsync("doctor", "--config", config, "--root", EmptyRoot(), "--json",
            "--registry-check", $"{Sandbox.LimitRegistry}/team/app:1", "--registry-check", $"{Sandbox.Registry}/limits/none:1");
        var limits = Checks(fine, "rate-limit").ToList();
        Assert.Equal(2, limits.Count);
        Assert.Equal("ok", limits[0].GetProperty("status").GetString());
        Assert.Contains("limit 100 per 6h, 76 remaining", limits[0].GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Contains(Sandbox.Registry, limits[1].GetProperty("evidence").GetString(), StringComparison.Ordinal);

        var exhausted = await Sandbox.TidemarkAsync("doctor", "--config", config, "--root", EmptyRoot(),
            "--registry-check", $"{Sandbox.LimitRegistry}/ratelimit-exhausted/app:1");
        Assert.True(exhausted.ExitCode == 1, exhausted.ToString());
        Assert.Matches(@"(?m)^fail rate-limit .*0 remaining", exhausted.Stdout);
    }

    [Fact]
    public async Task A_daily_prune_all_timer_and_a_cron_line_are_named_by_file_and_line_and_fail_the_doctor()
    {
        var root = EmptyRoot();
        var units = Directory.CreateDirectory(Path.Combine(root, "etc/systemd/system")).FullName;
        File.WriteAllText(Path.Combine(units, "docker-prune.service"), "[Service]\nType=oneshot\nExecStart=/usr/bin/docker system prune --all --force --filter until=24h\n");
        File.WriteAllText(Path.Combine(units, "docker-prune.timer"), "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n");
        Directory.CreateDirectory(Path.Combine(units, "timers.target.wants"));
        File.CreateSymbolicLink(Path.Combine(units, "timers.target.wants/docker-prune.timer"), "/etc/systemd/system/docker-prune.timer");
        var cron = Directory.CreateDirectory(Path.Combine(root, "etc/cron.d")).FullName;
        File.WriteAllText(Path.Combine(cron, "cleanup"), "# nightly\nSHELL=/bin/sh\n30 3 * * * root docker image prune -a -f\n");

        var run = await Sandbox.TidemarkAsync("doctor", "--config", Sandbox.Config(QuietDisk), "--root", root);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Matches(@"(?m)^fail pruners .*etc/systemd/system/docker-prune.service:3", run.Stdout);
        Assert.Matches(@"(?m)^fail pruners .*etc/cron.d/cleanup:3", run.Stdout);
        Assert.True(File.Exists(Path.Combine(units, "docker-prune.service")), "the doctor is read-only");
    }

    [Fact]
    public async Task Doctor_without_a_daemon_fails_that_line_and_still_checks_the_rest()
    {
        var run = await Sandbox.TidemarkAsync(new Dictionary<string, string> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" },
            "doctor", "--config", Sandbox.Config(QuietDisk), "--root", EmptyRoot());

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Matches(@"(?m)^fail daemon +cannot use the Docker daemon at unix:///nonexistent/docker.sock", run.Stdout);
        Assert.Matches(@"(?m)^ok   tidemark +config .*: valid", run.Stdout);
        Assert.Contains("pruners", run.Stdout, StringComparison.Ordinal);
    }
}
