using System.Text.Json;
using Tidemark.Cli.Doctor;
using Tidemark.Cli.Probe;
using Tidemark.Core.Configuration;
using Tidemark.Docker.Credentials;
using Tidemark.Docker.Host;
using Tidemark.Docker.Models;
using Tidemark.Docker.Pull;

namespace Tidemark.Tests.Doctor;

/// <summary>Defects an independent review of issue 10 found; each test failed before its fix.</summary>
public sealed class ReviewDefectTests : IDisposable
{
    private readonly FakeDockerClient _client = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _client.Dispose();

    [Fact]
    public void A_config_json_with_invalid_utf8_in_a_string_is_an_error_line_not_a_crash()
    {
        byte[] bytes = [.. "{\"auths\":{\"127.0.0.1:5700\":{\"auth\":\""u8, 0xff, 0xfe, .. "\"}}}"u8];

        var read = DockerConfigReader.Parse(new DockerConfigLocation("/x/config.json", "test"), "/x/config.json", bytes);

        Assert.NotNull(read.Error);
        Assert.Contains("UTF-8", read.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_helper_whose_list_fails_with_a_secret_in_its_error_never_has_it_shown()
    {
        _client.Config("""{ "credsStore": "leaky" }""")
            .Helper("leaky", "echo 'gpg: decryption failed for tidemark-test:SUPERSECRET' >&2; echo 'and SUPERSECRET2'; exit 1");

        var listing = await new DockerCredentials(_client.Environment).ListAsync(null, Ct);
        var lines = CredentialChecks.From(listing, null);

        var printed = string.Join("\n", lines.Select(l => $"{l.Evidence} {l.Remedy} {JsonSerializer.Serialize(l.Facts?.ToDictionary(f => f.Key, f => f.Value?.ToString()))}"));
        Assert.DoesNotContain("SUPERSECRET", printed, StringComparison.Ordinal);
        Assert.Contains("exit 1", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_registry_entry_in_info_and_absurd_df_sizes_do_not_crash_the_checks()
    {
        var info = new SystemInfo
        {
            ServerVersion = "20.10.24",
            RegistryConfig = new RegistryServiceConfig { IndexConfigs = new() { ["x"] = null! }, InsecureRegistryCidrs = [null!, "10.0.0.0/8"] },
        };
        var usage = new DiskUsageResponse
        {
            LayersSize = 1,
            Images = [new ImageSummary { Id = "a", Size = 9_000_000_000_000_000_000, Containers = 0 }, new ImageSummary { Id = "b", Size = 9_000_000_000_000_000_000, Containers = 0 }],
            Containers = [new ContainerSummary { Id = "c", ImageID = "a", SizeRw = long.MaxValue }, new ContainerSummary { Id = "d", ImageID = "a", SizeRw = long.MaxValue }],
        };
        var facts = new DaemonFacts("unix:///x", "1.41", "1.41", info, usage, null, null, "not measured", null);

        var mirrors = MirrorChecks.For(info).ToList();
        var disk = DiskChecks.For(facts, new DiskSettings()).ToList();

        Assert.Contains(mirrors, m => m.Evidence.Contains("10.0.0.0/8", StringComparison.Ordinal));
        Assert.Contains(disk, d => d.Evidence.Contains("images", StringComparison.Ordinal));
    }

    [Fact]
    public void A_metrics_file_with_a_negative_last_success_is_read_as_no_success()
    {
        var file = Path.Combine(_client.Dir, "tidemark.prom");
        File.WriteAllText(file, "tidemark_last_success_timestamp_seconds -1e300\ntidemark_daemon_up 1\n");
        var settings = Settings.Default with { Metrics = new MetricsSettings { File = file } };

        var checks = SelfChecks.For(settings, "defaults", null, DateTimeOffset.UtcNow).ToList();

        Assert.Contains(checks, c => c.Evidence.Contains("last completed: never", StringComparison.Ordinal));
    }

    [Fact]
    public void A_short_mountinfo_line_is_skipped()
    {
        var mountInfo = "1 2 3\n36 35 98:0 / /var/lib/docker rw,noatime shared:1 - ext4 /dev/loop0 rw\n";

        Assert.Equal(("/var/lib/docker", "ext4", "/dev/loop0"), MountPoints.FileSystemOf("/var/lib/docker/x", mountInfo));
    }

    [Theory]
    [InlineData("manifest for 127.0.0.1:5000/ci/worker:v401 not found: manifest unknown: manifest unknown", "127.0.0.1:5000/ci/worker:v401", PullFailureKind.NotFound)]
    [InlineData("Head \"http://127.0.0.1:5000/v2/geoffrey/tls/manifests/eof\": something else", "127.0.0.1:5000/geoffrey/tls:eof", PullFailureKind.Other)]
    [InlineData("Get \"http://127.0.0.1:5000/v2/\": EOF", null, PullFailureKind.Unreachable)]
    public void A_tag_or_name_in_the_message_does_not_decide_its_kind(string message, string? reference, PullFailureKind expected) =>
        Assert.Equal(expected, PullFailure.Classify(message, reference));

    [Fact]
    public void A_cycle_whose_deploy_failed_is_inconclusive_not_retained()
    {
        var pull = new PullSummary("r/x:1", TimeSpan.FromSeconds(1), [], UpToDate: false, null, null);
        var result = new ProbeResult(new ProbeTarget("r/x:1", "r", false), false, new PullStep("cold", pull, 3),
            new DeployStep("container", "tidemark-probe-1", null, null, false, TimeSpan.Zero, "400 No command specified"), null, null, null, []);

        Assert.Null(result.Retained);
        Assert.Contains(ProbeOutput.Lines(result), l => l.StartsWith("verdict: inconclusive", StringComparison.Ordinal));
    }
}
