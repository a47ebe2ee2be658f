using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Tidemark.Cli.Doctor;
using Tidemark.Docker.Registry;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>
/// Issue 10: the registry client against the sandbox's three registries — the plain one, the
/// htpasswd one and nginx adding a rate-limited registry's headers — with images the sandbox
/// daemon pushed.
/// </summary>
public sealed partial class RegistryTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    /// <summary>A default registry none of these references use, so no "library/" is added.</summary>
    private const string NoDefault = "127.0.0.1:1";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ImageName Name(string text)
    {
        Assert.True(ImageName.TryParse(text, NoDefault, out var name, out var error), error);
        return name;
    }

    /// <summary>A unique repository name, so tests sharing the registries never see each other's images.</summary>
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Loads an image of busybox and <paramref name="layers"/> (unique content) and tags it <paramref name="reference"/>.</summary>
    private async Task LoadAsAsync(string reference, params long[] layers)
    {
        var local = Unique("reg/local") + ":1";
        var seed = Guid.NewGuid().ToString("N");
        await LoadAsync([FixtureImage.Tagged(local, Now.AddDays(-1), [.. layers.Select((size, i) => new Layer($"{seed}-{i}", size))])]);
        Docker.Cli("tag", local, reference);
        Docker.Cli("rmi", local);
    }

    /// <summary>
    /// docker push with a client configuration of its own (never the host user's): credentials for
    /// the authenticated registry when <paramref name="login"/> is set. Returns the pushed manifest's digest.
    /// </summary>
    private string Push(string reference, bool login = false)
    {
        var config = Directory.CreateDirectory(Path.Combine(Sandbox.WorkDir, $"docker-config-{Guid.NewGuid():N}")).FullName;
        var auths = login
            ? $"{{\"auths\":{{\"{Sandbox.AuthRegistry}\":{{\"auth\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Sandbox.AuthUser}:{Sandbox.AuthPassword()}"))}\"}}}}}}"
            : "{\"auths\":{}}";
        File.WriteAllText(Path.Combine(config, "config.json"), auths);
        try
        {
            var output = Docker.Cli("--config", config, "push", reference);
            return PushDigest().Match(output) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no digest in: " + output);
        }
        finally
        {
            Directory.Delete(config, recursive: true);
        }
    }

    [GeneratedRegex(@"digest: (sha256:[0-9a-f]{64}) size: \d+")]
    private static partial Regex PushDigest();

    /// <summary>Nothing a caller can see holds the sandbox password or its Basic encoding.</summary>
    private void NoSecretIn(params object?[] things)
    {
        var password = Sandbox.AuthPassword();
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Sandbox.AuthUser}:{password}"));
        foreach (var thing in things)
        {
            var text = thing switch
            {
                CheckResult c => $"{c} {c.Evidence} {c.Remedy} {string.Join(",", c.Facts?.Select(f => $"{f.Key}={f.Value}") ?? [])}",
                _ => thing?.ToString() ?? "",
            };
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
            Assert.DoesNotContain(basic, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_authenticated_registry_refuses_no_and_wrong_credentials_and_accepts_the_right_ones()
    {
        var reference = $"{Sandbox.AuthRegistry}/{Unique("team/auth")}:1";
        await LoadAsAsync(reference, 300_000);
        var pushed = Push(reference, login: true);
        var image = Name(reference);
        var right = new RegistryLogin(Sandbox.AuthUser, Sandbox.AuthPassword());
        var wrong = new RegistryLogin(Sandbox.AuthUser, Sandbox.AuthPassword() + "x");
        using var client = new RegistryClient();

        var anonymous = await client.HeadManifestAsync(image, null, Ct);
        var refused = await client.HeadManifestAsync(image, wrong, Ct);
        var accepted = await client.HeadManifestAsync(image, right, Ct);
        var manifest = await client.GetManifestAsync(image, new Platform("linux", "amd64"), right, Ct);
        var pingAnonymous = await client.PingAsync(Sandbox.AuthRegistry, null, Ct);
        var pingWrong = await client.PingAsync(Sandbox.AuthRegistry, wrong, Ct);
        var pingRight = await client.PingAsync(Sandbox.AuthRegistry, right, Ct);

        Assert.Equal(RegistryErrorKind.AuthenticationRefused, anonymous.Error!.Kind);
        Assert.StartsWith($"registry {Sandbox.AuthRegistry}: authentication required", anonymous.Error.Message, StringComparison.Ordinal);
        Assert.Contains("no credentials were given", anonymous.Error.Message, StringComparison.Ordinal);
        Assert.Equal(RegistryErrorKind.AuthenticationRefused, refused.Error!.Kind);
        Assert.Equal(401, refused.Error.Status);
        Assert.StartsWith($"registry {Sandbox.AuthRegistry}: authentication refused for user {Sandbox.AuthUser}", refused.Error.Message, StringComparison.Ordinal);
        Assert.True(accepted.IsOk, accepted.ToString());
        Assert.Equal(pushed, accepted.Value.Digest);
        Assert.Equal(Sandbox.AuthUser, accepted.Value.Username);
        Assert.Null(accepted.Value.RateLimit);
        Assert.True(manifest.IsOk, manifest.ToString());
        Assert.Equal(pushed, manifest.Value.Digest);
        Assert.True(pingAnonymous.Value.AuthenticationRequired);
        Assert.Equal("Basic", pingAnonymous.Value.Scheme);
        Assert.Equal(RegistryErrorKind.AuthenticationRefused, pingWrong.Error!.Kind);
        Assert.Equal(Sandbox.AuthUser, pingRight.Value.Username);

        var checks = new[] { anonymous, refused, accepted }.Select(h => RateLimitCheck.Evaluate(image, h)).ToList();
        Assert.Equal([CheckStatus.Fail, CheckStatus.Fail, CheckStatus.Ok], checks.Select(c => c.Status));
        Assert.Contains($"docker login {Sandbox.AuthRegistry}", checks[1].Remedy, StringComparison.Ordinal);
        NoSecretIn([anonymous, refused, accepted, accepted.Value, manifest, manifest.Value, pingAnonymous, pingWrong, pingRight, right, wrong, .. checks]);
    }

    [Fact]
    public async Task The_rate_limited_registry_reports_limit_remaining_and_window_and_is_asked_with_head_only()
    {
        var path = Unique("library/x");
        await LoadAsAsync($"{Sandbox.Registry}/{path}:1", 200_000);
        var pushed = Push($"{Sandbox.Registry}/{path}:1");
        var image = Name($"{Sandbox.LimitRegistry}/{path}:1");
        var logBefore = new FileInfo(Sandbox.LimitAccessLog).Length;
        using var client = new RegistryClient();

        var head = await client.HeadManifestAsync(image, null, Ct);

        Assert.True(head.IsOk, head.ToString());
        Assert.Equal(pushed, head.Value.Digest);
        Assert.Equal(new RateLimit(100, 76, TimeSpan.FromHours(6)), head.Value.RateLimit);
        var check = RateLimitCheck.Evaluate(image, head);
        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.Equal($"{Sandbox.LimitRegistry} {path}:1 — limit 100 per 6h, 76 remaining", check.Evidence);

        var lines = NewLogLines(logBefore, l => l.Contains($"/v2/{path}/manifests/", StringComparison.Ordinal));
        var line = Assert.Single(lines);
        Assert.Equal(["HEAD", "200", "0", $"/v2/{path}/manifests/1"], line.Split(' ')[1..]);
    }

    [Fact]
    public async Task Few_or_no_pulls_left_warn_and_fail_and_a_get_past_the_limit_is_too_many_requests()
    {
        var low = Unique("ratelimit-low/app");
        var exhausted = Unique("ratelimit-exhausted/app");
        await LoadAsAsync($"{Sandbox.Registry}/{low}:1", 10_000);
        Push($"{Sandbox.Registry}/{low}:1");
        Docker.Cli("tag", $"{Sandbox.Registry}/{low}:1", $"{Sandbox.Registry}/{exhausted}:1");
        Push($"{Sandbox.Registry}/{exhausted}:1");
        using var client = new RegistryClient();

        var lowCheck = RateLimitCheck.Evaluate(Name($"{Sandbox.LimitRegistry}/{low}:1"), await client.HeadManifestAsync(Name($"{Sandbox.LimitRegistry}/{low}:1"), null, Ct));
        var noneLeft = await client.HeadManifestAsync(Name($"{Sandbox.LimitRegistry}/{exhausted}:1"), null, Ct);
        var get = await client.GetManifestAsync(Name($"{Sandbox.LimitRegistry}/{exhausted}:1"), new Platform("linux", "amd64"), null, Ct);

        Assert.Equal(CheckStatus.Warn, lowCheck.Status);
        Assert.EndsWith("— limit 100 per 6h, 5 remaining", lowCheck.Evidence, StringComparison.Ordinal);
        Assert.Equal(0, noneLeft.Value.RateLimit!.Remaining);
        Assert.Equal(CheckStatus.Fail, RateLimitCheck.Evaluate(noneLeft.Value.Image, noneLeft).Status);
        Assert.Equal(RegistryErrorKind.TooManyRequests, get.Error!.Kind);
        Assert.Contains("TOOMANYREQUESTS", get.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_plain_registry_reports_no_limit()
    {
        var reference = $"{Sandbox.Registry}/{Unique("library/plain")}:1";
        await LoadAsAsync(reference, 10_000);
        var pushed = Push(reference);
        using var client = new RegistryClient();

        var head = await client.HeadManifestAsync(Name(reference), null, Ct);
        var ping = await client.PingAsync(Sandbox.Registry, null, Ct);

        Assert.True(head.IsOk, head.ToString());
        Assert.Equal(pushed, head.Value.Digest);
        Assert.Null(head.Value.RateLimit);
        Assert.Null(head.Value.RateLimitProblem);
        Assert.False(ping.Value.AuthenticationRequired);
        var check = RateLimitCheck.Evaluate(Name(reference), head);
        Assert.Equal(CheckStatus.Ok, check.Status);
        Assert.EndsWith(" — no pull limit reported", check.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_port_is_unreachable_and_names_the_registry()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var registry = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();
        using var client = new RegistryClient();

        var head = await client.HeadManifestAsync(Name($"{registry}/library/x:1"), null, Ct);
        var check = RateLimitCheck.Evaluate(Name($"{registry}/library/x:1"), head);

        Assert.Equal(RegistryErrorKind.Unreachable, head.Error!.Kind);
        Assert.Equal(registry, head.Error.Registry);
        Assert.Equal($"registry {registry}: connection to http://{registry} refused", head.Error.Message);
        Assert.Equal(CheckStatus.Fail, check.Status);
        Assert.Equal($"{registry} library/x:1 — connection to http://{registry} refused", check.Evidence);
    }

    [Fact]
    public async Task A_missing_tag_or_repository_is_not_found()
    {
        var path = Unique("library/there");
        await LoadAsAsync($"{Sandbox.Registry}/{path}:1", 10_000);
        Push($"{Sandbox.Registry}/{path}:1");
        using var client = new RegistryClient();

        var headTag = await client.HeadManifestAsync(Name($"{Sandbox.Registry}/{path}:2"), null, Ct);
        var getTag = await client.GetManifestAsync(Name($"{Sandbox.Registry}/{path}:2"), new Platform("linux", "amd64"), null, Ct);
        var getRepo = await client.GetManifestAsync(Name($"{Sandbox.Registry}/{Unique("library/never")}:1"), new Platform("linux", "amd64"), null, Ct);
        var viaProxy = await client.HeadManifestAsync(Name($"{Sandbox.LimitRegistry}/{path}:2"), null, Ct);

        Assert.Equal(RegistryErrorKind.NotFound, headTag.Error!.Kind);
        Assert.Equal($"registry {Sandbox.Registry}: {path}:2 not found", headTag.Error.Message);
        Assert.Equal(RegistryErrorKind.NotFound, getTag.Error!.Kind);
        Assert.Contains("MANIFEST_UNKNOWN", getTag.Error.Message, StringComparison.Ordinal);
        Assert.Equal(RegistryErrorKind.NotFound, getRepo.Error!.Kind);
        Assert.Contains(" not found (MANIFEST_UNKNOWN", getRepo.Error.Message, StringComparison.Ordinal);
        Assert.Equal(RegistryErrorKind.NotFound, viaProxy.Error!.Kind);
        Assert.Equal(Sandbox.LimitRegistry, viaProxy.Error.Registry);
    }

    [Fact]
    public async Task The_manifests_layer_sizes_are_what_the_push_uploaded_and_what_a_pull_downloads()
    {
        var path = Unique("library/sized");
        var reference = $"{Sandbox.Registry}/{path}:1";
        await LoadAsAsync(reference, 2_000_000, 500_000, 1_000);
        var pushed = Push(reference);
        var info = await Docker.ApiAsync("/info", Ct);
        var platform = Platform.FromDaemon(info.GetProperty("OSType").GetString()!, info.GetProperty("Architecture").GetString()!);
        using var client = new RegistryClient();

        var manifest = await client.GetManifestAsync(Name(reference), platform, null, Ct);

        Assert.True(manifest.IsOk, manifest.ToString());
        var m = manifest.Value;
        Assert.Equal(pushed, m.Digest);
        Assert.Equal(MediaTypes.DockerManifest, m.MediaType);
        // Fixture images start from the busybox layer.
        Assert.Equal(4, m.Layers.Count);
        // The registry's own blobs, as the push stored them.
        var blobs = Path.Combine(Environment.GetEnvironmentVariable("TIDEMARK_SANDBOX_DIR")!, "registry", "docker", "registry", "v2", "blobs", "sha256");
        foreach (var blob in m.Layers.Append(m.Config))
        {
            var hex = blob.Digest["sha256:".Length..];
            Assert.Equal(new FileInfo(Path.Combine(blobs, hex[..2], hex, "data")).Length, blob.Size);
        }

        // A cold pull through the proxy downloads exactly the layers and the config, by the
        // progress IDs the manifest's short IDs name.
        Docker.Cli("rmi", reference);
        var proxied = $"{Sandbox.LimitRegistry}/{path}:1";
        var logBefore = new FileInfo(Sandbox.LimitAccessLog).Length;
        var pull = Docker.Cli("pull", proxied);
        var blobGets = NewLogLines(logBefore, l => l.Contains($" /v2/{path}/blobs/sha256:", StringComparison.Ordinal) && l.Split(' ')[1] == "GET");
        Assert.Equal(m.LayerBytes + m.Config.Size, blobGets.Sum(l => long.Parse(l.Split(' ')[3], System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var layer in m.Layers)
        {
            Assert.Contains($"{layer.ShortId}: Pull complete", pull, StringComparison.Ordinal);
            Assert.Same(layer, m.LayerByShortId(layer.ShortId));
        }

        Docker.Cli("rmi", proxied);
    }

    [Fact]
    public async Task A_manifest_list_is_followed_to_the_platform_asked_for()
    {
        var path = Unique("library/multi");
        var amd = $"{Sandbox.Registry}/{path}:amd64";
        var arm = $"{Sandbox.Registry}/{path}:arm64";
        await LoadAsAsync(amd, 20_000, 30_000);
        await LoadAsAsync(arm, 40_000);
        var amdDigest = Push(amd);
        var armDigest = Push(arm);
        var list = $"{Sandbox.Registry}/{path}:1";
        var config = Directory.CreateDirectory(Path.Combine(Sandbox.WorkDir, $"docker-config-{Guid.NewGuid():N}")).FullName;
        File.WriteAllText(Path.Combine(config, "config.json"), "{\"auths\":{}}");
        try
        {
            Docker.Cli("--config", config, "manifest", "create", "--insecure", list, amd, arm);
            Docker.Cli("--config", config, "manifest", "annotate", "--os", "linux", "--arch", "amd64", list, amd);
            Docker.Cli("--config", config, "manifest", "annotate", "--os", "linux", "--arch", "arm64", "--variant", "v8", list, arm);
            Docker.Cli("--config", config, "manifest", "push", "--insecure", list);
        }
        finally
        {
            Directory.Delete(config, recursive: true);
        }

        using var client = new RegistryClient();

        var head = await client.HeadManifestAsync(Name(list), null, Ct);
        var forAmd = await client.GetManifestAsync(Name(list), Platform.FromDaemon("linux", "x86_64"), null, Ct);
        var forArm = await client.GetManifestAsync(Name(list), Platform.FromDaemon("linux", "aarch64"), null, Ct);
        var forS390x = await client.GetManifestAsync(Name(list), new Platform("linux", "s390x"), null, Ct);

        Assert.True(head.IsOk, head.ToString());
        Assert.Equal(MediaTypes.DockerManifestList, head.Value.MediaType);
        Assert.True(forAmd.IsOk, forAmd.ToString());
        Assert.Equal(amdDigest, forAmd.Value.Digest);
        Assert.Equal(head.Value.Digest, forAmd.Value.IndexDigest);
        Assert.Equal(3, forAmd.Value.Layers.Count);
        Assert.Equal(armDigest, forArm.Value.Digest);
        Assert.Equal(2, forArm.Value.Layers.Count);
        Assert.Equal(RegistryErrorKind.NoMatchingPlatform, forS390x.Error!.Kind);
        Assert.Contains("has no manifest for linux/s390x (it has linux/amd64, linux/arm64/v8)", forS390x.Error.Message, StringComparison.Ordinal);
    }

    /// <summary>The access log's lines written after <paramref name="offset"/> that match, waiting briefly for nginx to write them.</summary>
    private List<string> NewLogLines(long offset, Func<string, bool> match)
    {
        List<string> Read()
        {
            using var f = new FileStream(Sandbox.LimitAccessLog, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            f.Seek(offset, SeekOrigin.Begin);
            using var reader = new StreamReader(f);
            return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(match).ToList();
        }

        var lines = Read();
        for (var i = 0; i < 20 && lines.Count == 0; i++)
        {
            Thread.Sleep(100);
            lines = Read();
        }

        return lines;
    }
}
