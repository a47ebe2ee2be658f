using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Tidemark.Docker.Registry;

namespace Tidemark.Tests.Registry;

/// <summary>
/// Issue 10: the registry client against a loopback HTTP stub — the auth challenge flows (a
/// Bearer token service is something the sandbox's registries do not have), failures as values,
/// and no secret or token in any result.
/// </summary>
public sealed class RegistryClientTests
{
    private const string Secret = "s3cret-PASSWORD-9f8e";
    private const string Token = "tok-ABCDEF-123456";
    private static readonly RegistryLogin Login = new("tidemark-test", Secret);
    private static readonly string BasicValue = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"tidemark-test:{Secret}"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ImageName Name(string registry, string path)
    {
        Assert.True(ImageName.TryParse($"{registry}/{path}", "127.0.0.1:1", out var name, out var error), error);
        return name;
    }

    private static string Sha(string body) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));

    private static StubResponse Manifest(string body, string mediaType, params (string, string)[] headers) =>
        new(200, [("Content-Type", mediaType), ("Docker-Content-Digest", Sha(body)), .. headers], Encoding.UTF8.GetBytes(body));

    private static readonly (string, string)[] Limits = [("ratelimit-limit", "100;w=21600"), ("ratelimit-remaining", "76;w=21600"), ("docker-ratelimit-source", "192.0.2.7")];

    /// <summary>Nothing a caller can see holds the secret, its Basic encoding or the token.</summary>
    private static void NoSecretIn(params object?[] things)
    {
        foreach (var thing in things)
        {
            var text = thing?.ToString() ?? "";
            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(BasicValue[6..], text, StringComparison.Ordinal);
            Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        }
    }

    /// <summary>A registry behind a Bearer token service (both on the stub): the token needs <paramref name="needLogin"/>.</summary>
    private static Func<StubRequest, StubResponse?> BearerRegistry(Func<string> realm, bool needLogin, string manifest)
    {
        return request =>
        {
            if (request.Path == "/token")
            {
                if (needLogin && request.Header("Authorization") != BasicValue)
                {
                    return StubResponse.Json(401, """{"details":"incorrect username or password"}""");
                }

                return StubResponse.Json(200, $$"""{"token":"{{Token}}","expires_in":300}""");
            }

            if (request.Header("Authorization") != "Bearer " + Token)
            {
                return new StubResponse(401, [("WWW-Authenticate", $"Bearer realm=\"{realm()}\",service=\"stub\",scope=\"repository:team/app:pull\""),
                    ("Content-Type", "application/json")], Encoding.UTF8.GetBytes("""{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"""));
            }

            return request.Path == "/v2/team/app/manifests/1"
                ? Manifest(manifest, MediaTypes.DockerManifest, Limits)
                : StubResponse.Json(404, """{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}""");
        };
    }

    [Fact]
    public async Task Head_answers_a_bearer_challenge_anonymously_and_reports_digest_and_limits()
    {
        var body = ManifestTests.Schema2(('a', 10));
        StubRegistry? stub = null;
        await using (stub = new StubRegistry(BearerRegistry(() => $"http://{stub!.Registry}/token", needLogin: false, body)))
        {
            using var client = new RegistryClient();
            var head = await client.HeadManifestAsync(Name(stub.Registry, "team/app:1"), null, Ct);

            Assert.True(head.IsOk, head.ToString());
            Assert.Equal(Sha(body), head.Value.Digest);
            Assert.Equal(MediaTypes.DockerManifest, head.Value.MediaType);
            Assert.Equal(new RateLimit(100, 76, TimeSpan.FromHours(6), "192.0.2.7"), head.Value.RateLimit);
            Assert.Null(head.Value.Username);
            var requests = stub.Requests.ToList();
            Assert.Equal(["HEAD /v2/team/app/manifests/1", "GET /token", "HEAD /v2/team/app/manifests/1"], requests.Select(r => $"{r.Method} {r.Path}"));
            Assert.Equal("service=stub&scope=repository%3Ateam%2Fapp%3Apull", requests[1].Query);
            Assert.Null(requests[1].Header("Authorization"));
            Assert.Equal("Bearer " + Token, requests[2].Header("Authorization"));
            Assert.Contains(MediaTypes.OciIndex, requests[0].Header("Accept"), StringComparison.Ordinal);
            Assert.Contains(MediaTypes.DockerManifest, requests[0].Header("Accept"), StringComparison.Ordinal);
            NoSecretIn(head, head.Value);
        }
    }

    [Fact]
    public async Task The_token_is_fetched_with_basic_credentials_and_kept_for_the_next_request()
    {
        var body = ManifestTests.Schema2(('a', 10));
        StubRegistry? stub = null;
        await using (stub = new StubRegistry(BearerRegistry(() => $"http://{stub!.Registry}/token", needLogin: true, body)))
        {
            using var client = new RegistryClient();
            var image = Name(stub.Registry, "team/app:1");
            var head = await client.HeadManifestAsync(image, Login, Ct);
            var again = await client.HeadManifestAsync(image, Login, Ct);

            Assert.True(head.IsOk, head.ToString());
            Assert.True(again.IsOk, again.ToString());
            Assert.Equal("tidemark-test", head.Value.Username);
            Assert.Equal("tidemark-test", again.Value.Username);
            var requests = stub.Requests.ToList();
            Assert.Equal(BasicValue, requests.Single(r => r.Path == "/token").Header("Authorization"));
            Assert.Equal(4, requests.Count);
            NoSecretIn(head, head.Value, again.Value, Login);
        }
    }

    [Fact]
    public async Task A_token_service_that_refuses_the_credentials_is_authentication_refused_without_the_secret()
    {
        StubRegistry? stub = null;
        await using (stub = new StubRegistry(BearerRegistry(() => $"http://{stub!.Registry}/token", needLogin: true, "{}")))
        {
            using var client = new RegistryClient();
            var wrong = await client.HeadManifestAsync(Name(stub.Registry, "team/app:1"), new RegistryLogin("tidemark-test", "wrong-" + Secret), Ct);
            var none = await client.HeadManifestAsync(Name(stub.Registry, "team/app:1"), null, Ct);

            Assert.Equal(RegistryErrorKind.AuthenticationRefused, wrong.Error!.Kind);
            Assert.Equal(stub.Registry, wrong.Error.Registry);
            Assert.Contains($"registry {stub.Registry}", wrong.Error.Message, StringComparison.Ordinal);
            Assert.Contains("refused the credentials of user tidemark-test", wrong.Error.Message, StringComparison.Ordinal);
            Assert.Equal(RegistryErrorKind.AuthenticationRefused, none.Error!.Kind);
            Assert.Contains("refused an anonymous token", none.Error.Message, StringComparison.Ordinal);
            NoSecretIn(wrong, none);
            Assert.DoesNotContain("wrong-", wrong.Error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_401_after_the_token_is_refused_and_says_why_when_the_scope_is_insufficient()
    {
        StubRegistry? stub = null;
        await using (stub = new StubRegistry(request => request.Path == "/token"
            ? StubResponse.Json(200, $$"""{"access_token":"{{Token}}"}""")
            : new StubResponse(401, [("WWW-Authenticate", request.Header("Authorization") is null
                ? $"Bearer realm=\"http://{stub!.Registry}/token\",service=\"stub\""
                : $"Bearer realm=\"http://{stub!.Registry}/token\",service=\"stub\",error=\"insufficient_scope\"")])))
        {
            using var client = new RegistryClient();
            var head = await client.HeadManifestAsync(Name(stub.Registry, "team/private:1"), Login, Ct);

            Assert.Equal(RegistryErrorKind.AuthenticationRefused, head.Error!.Kind);
            Assert.Equal(401, head.Error.Status);
            Assert.Contains("authentication refused for user tidemark-test", head.Error.Message, StringComparison.Ordinal);
            Assert.Contains("the repository may not exist", head.Error.Message, StringComparison.Ordinal);
            Assert.Equal("Bearer " + Token, stub.Requests.Last().Header("Authorization"));
            NoSecretIn(head);
        }
    }

    private static Func<StubRequest, StubResponse?> BasicRegistry(string body) => request =>
        request.Header("Authorization") != BasicValue
            ? new StubResponse(401, [("WWW-Authenticate", "Basic realm=\"stub-realm\"")])
            : request.Path == "/v2/"
                ? StubResponse.Json(200, "{}")
                : request.Path == "/v2/team/app/manifests/1"
                    ? Manifest(body, MediaTypes.DockerManifest)
                    : StubResponse.Json(404, """{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry (you sent """ + Secret + """)"}]}""");

    [Fact]
    public async Task A_basic_challenge_gets_the_credentials_and_none_given_is_refused()
    {
        var body = ManifestTests.Schema2(('a', 10));
        await using var stub = new StubRegistry(BasicRegistry(body));
        using var client = new RegistryClient();
        var image = Name(stub.Registry, "team/app:1");

        var good = await client.HeadManifestAsync(image, Login, Ct);
        var anonymous = await client.HeadManifestAsync(image, null, Ct);
        var wrong = await client.HeadManifestAsync(image, new RegistryLogin("tidemark-test", "nope"), Ct);

        Assert.True(good.IsOk, good.ToString());
        Assert.Equal("tidemark-test", good.Value.Username);
        Assert.Null(good.Value.RateLimit);
        Assert.Equal(RegistryErrorKind.AuthenticationRefused, anonymous.Error!.Kind);
        Assert.Contains("no credentials were given", anonymous.Error.Message, StringComparison.Ordinal);
        Assert.Contains("stub-realm", anonymous.Error.Message, StringComparison.Ordinal);
        Assert.Equal(RegistryErrorKind.AuthenticationRefused, wrong.Error!.Kind);
        Assert.Contains("authentication refused for user tidemark-test", wrong.Error.Message, StringComparison.Ordinal);
        NoSecretIn(good, good.Value, anonymous, wrong);
    }

    [Fact]
    public async Task Ping_says_whether_credentials_are_needed_and_accepted()
    {
        await using var stub = new StubRegistry(BasicRegistry("{}"));
        await using var open = new StubRegistry(_ => StubResponse.Json(200, "{}"));
        using var client = new RegistryClient();

        var anonymous = await client.PingAsync(stub.Registry, null, Ct);
        var login = await client.PingAsync(stub.Registry, Login, Ct);
        var wrong = await client.PingAsync(stub.Registry, new RegistryLogin("tidemark-test", "nope"), Ct);
        var free = await client.PingAsync(open.Registry, Login, Ct);

        Assert.Equal(new RegistryPing(stub.Registry, new Uri($"http://{stub.Registry}/v2/"), true, "Basic", null), anonymous.Value);
        Assert.Equal(new RegistryPing(stub.Registry, new Uri($"http://{stub.Registry}/v2/"), true, "Basic", "tidemark-test"), login.Value);
        Assert.Equal(RegistryErrorKind.AuthenticationRefused, wrong.Error!.Kind);
        Assert.False(free.Value.AuthenticationRequired);
        Assert.Null(free.Value.Username);
        NoSecretIn(anonymous, login, wrong, free);
    }

    [Fact]
    public async Task Not_found_names_the_registry_and_the_code_and_a_secret_echoed_by_the_registry_is_scrubbed()
    {
        await using var stub = new StubRegistry(BasicRegistry("{}"));
        using var client = new RegistryClient();

        var get = await client.GetManifestAsync(Name(stub.Registry, "team/gone:1"), new Platform("linux", "amd64"), Login, Ct);
        var head = await client.HeadManifestAsync(Name(stub.Registry, "team/gone:1"), Login, Ct);

        Assert.Equal(RegistryErrorKind.NotFound, get.Error!.Kind);
        Assert.Equal($"registry {stub.Registry}: team/gone:1 not found (NAME_UNKNOWN: repository name not known to registry (you sent (redacted)))", get.Error.Message);
        Assert.Equal(RegistryErrorKind.NotFound, head.Error!.Kind);
        Assert.Equal($"registry {stub.Registry}: team/gone:1 not found", head.Error.Message);
        NoSecretIn(get, head);
    }

    [Theory]
    [InlineData(429, RegistryErrorKind.TooManyRequests, "too many requests (429)")]
    [InlineData(500, RegistryErrorKind.UnexpectedStatus, "unexpected status 500 for HEAD /v2/app/manifests/1")]
    [InlineData(403, RegistryErrorKind.AuthenticationRefused, "forbidden (403) to anonymous requests")]
    [InlineData(302, RegistryErrorKind.UnexpectedStatus, "unexpected status 302")]
    public async Task Other_statuses_are_named(int status, RegistryErrorKind kind, string message)
    {
        await using var stub = new StubRegistry(_ => new StubResponse(status));
        using var client = new RegistryClient();

        var head = await client.HeadManifestAsync(Name(stub.Registry, "app:1"), null, Ct);

        Assert.Equal(kind, head.Error!.Kind);
        Assert.Equal(status, head.Error.Status);
        Assert.Contains(message, head.Error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"registry {stub.Registry}: ", head.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_is_unreachable_and_names_the_registry()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new RegistryClient();

        var head = await client.HeadManifestAsync(Name($"127.0.0.1:{port}", "app:1"), Login, Ct);
        var ping = await client.PingAsync($"127.0.0.1:{port}", null, Ct);

        Assert.Equal(RegistryErrorKind.Unreachable, head.Error!.Kind);
        Assert.Equal($"registry 127.0.0.1:{port}: connection to http://127.0.0.1:{port} refused", head.Error.Message);
        Assert.Equal(RegistryErrorKind.Unreachable, ping.Error!.Kind);
    }

    [Fact]
    public async Task A_silent_registry_is_unreachable_after_the_timeout()
    {
        await using var stub = new StubRegistry(_ => StubResponse.Json(200, "{}")) { Delay = TimeSpan.FromSeconds(20) };
        using var client = new RegistryClient(new RegistryClientOptions { RequestTimeout = TimeSpan.FromMilliseconds(500) });

        var head = await client.HeadManifestAsync(Name(stub.Registry, "app:1"), null, Ct);

        Assert.Equal(RegistryErrorKind.Unreachable, head.Error!.Kind);
        Assert.Contains("did not answer HEAD /v2/app/manifests/1 within 0.5 s", head.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_closed_without_an_answer_is_unreachable()
    {
        await using var stub = new StubRegistry(_ => null);
        using var client = new RegistryClient();

        var head = await client.HeadManifestAsync(Name(stub.Registry, "app:1"), null, Ct);

        Assert.Equal(RegistryErrorKind.Unreachable, head.Error!.Kind);
        Assert.StartsWith($"registry {stub.Registry}: ", head.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_follows_an_index_to_the_platforms_manifest_and_checks_digests()
    {
        var amd64 = ManifestTests.Schema2(('a', 1000), ('b', 2000));
        var arm64 = ManifestTests.Schema2(('d', 5));
        var index = $$$"""
            {"schemaVersion":2,"mediaType":"{{{MediaTypes.OciIndex}}}","manifests":[
              {"mediaType":"{{{MediaTypes.DockerManifest}}}","size":1,"digest":"{{{Sha(arm64)}}}","platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
              {"mediaType":"{{{MediaTypes.DockerManifest}}}","size":1,"digest":"{{{Sha(amd64)}}}","platform":{"os":"linux","architecture":"amd64"}},
              {"mediaType":"{{{MediaTypes.OciManifest}}}","size":1,"digest":"{{{ManifestTests.D('f')}}}","platform":{"os":"unknown","architecture":"unknown"}}]}
            """;
        await using var stub = new StubRegistry(request => request.Path switch
        {
            "/v2/team/app/manifests/1" => Manifest(index, MediaTypes.OciIndex, Limits),
            var p when p == $"/v2/team/app/manifests/{Sha(amd64)}" => Manifest(amd64, MediaTypes.DockerManifest),
            var p when p == $"/v2/team/app/manifests/{Sha(arm64)}" => Manifest(arm64, MediaTypes.DockerManifest),
            _ => new StubResponse(404),
        });
        using var client = new RegistryClient();

        var got = await client.GetManifestAsync(Name(stub.Registry, "team/app:1"), Platform.FromDaemon("linux", "x86_64"), null, Ct);
        var none = await client.GetManifestAsync(Name(stub.Registry, "team/app:1"), new Platform("linux", "s390x"), null, Ct);

        Assert.True(got.IsOk, got.ToString());
        var m = got.Value;
        Assert.Equal(Sha(amd64), m.Digest);
        Assert.Equal(Sha(index), m.IndexDigest);
        Assert.Equal(new Platform("linux", "amd64"), m.Platform);
        Assert.Equal(MediaTypes.DockerManifest, m.MediaType);
        Assert.Equal([1000L, 2000L], m.Layers.Select(l => l.Size));
        Assert.Equal(3000, m.LayerBytes);
        Assert.Equal(1469, m.Config.Size);
        Assert.Equal(new RateLimit(100, 76, TimeSpan.FromHours(6), "192.0.2.7"), m.RateLimit);
        var second = stub.Requests.ToList()[1];
        Assert.DoesNotContain(MediaTypes.OciIndex, second.Header("Accept"), StringComparison.Ordinal);
        Assert.Equal(RegistryErrorKind.NoMatchingPlatform, none.Error!.Kind);
        Assert.Contains("has no manifest for linux/s390x (it has linux/arm64/v8, linux/amd64, unknown/unknown)", none.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_of_an_image_manifest_by_digest()
    {
        var body = ManifestTests.Schema2(('a', 7));
        await using var stub = new StubRegistry(request => Manifest(body, MediaTypes.DockerManifest));
        using var client = new RegistryClient();

        var got = await client.GetManifestAsync(Name(stub.Registry, "app@" + Sha(body)), new Platform("linux", "amd64"), null, Ct);

        Assert.True(got.IsOk, got.ToString());
        Assert.Equal(Sha(body), got.Value.Digest);
        Assert.Null(got.Value.IndexDigest);
        Assert.Null(got.Value.Platform);
        Assert.Equal(7, Assert.Single(got.Value.Layers).Size);
        Assert.Equal($"/v2/app/manifests/{Sha(body)}", Assert.Single(stub.Requests).Path);
    }

    [Fact]
    public async Task A_body_that_is_not_the_digest_asked_for_is_malformed()
    {
        var body = ManifestTests.Schema2(('a', 7));
        var other = ManifestTests.Schema2(('b', 7));
        await using var stub = new StubRegistry(request => request.Path.EndsWith("/1", StringComparison.Ordinal)
            ? new StubResponse(200, [("Content-Type", MediaTypes.DockerManifest), ("Docker-Content-Digest", Sha(other))], Encoding.UTF8.GetBytes(body))
            : Manifest(body, MediaTypes.DockerManifest));
        using var client = new RegistryClient();

        var byDigest = await client.GetManifestAsync(Name(stub.Registry, "app@" + Sha(other)), new Platform("linux", "amd64"), null, Ct);
        var byTag = await client.GetManifestAsync(Name(stub.Registry, "app:1"), new Platform("linux", "amd64"), null, Ct);

        Assert.Equal(RegistryErrorKind.Malformed, byDigest.Error!.Kind);
        Assert.Contains("not the one asked for", byDigest.Error.Message, StringComparison.Ordinal);
        Assert.Equal(RegistryErrorKind.Malformed, byTag.Error!.Kind);
        Assert.Contains("differs from Docker-Content-Digest", byTag.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_or_unreadable_manifest_is_malformed()
    {
        var huge = new byte[RegistryClient.MaxManifestBytes + 1];
        await using var stub = new StubRegistry(request => request.Path.EndsWith("/big", StringComparison.Ordinal)
            ? new StubResponse(200, [("Content-Type", MediaTypes.DockerManifest)], huge)
            : new StubResponse(200, [("Content-Type", MediaTypes.DockerManifest)], Encoding.UTF8.GetBytes("<html>captive portal</html>")));
        using var client = new RegistryClient();

        var big = await client.GetManifestAsync(Name(stub.Registry, "app:big"), new Platform("linux", "amd64"), null, Ct);
        var html = await client.GetManifestAsync(Name(stub.Registry, "app:html"), new Platform("linux", "amd64"), null, Ct);

        Assert.Equal(RegistryErrorKind.Malformed, big.Error!.Kind);
        Assert.Contains("larger than 4 MiB", big.Error.Message, StringComparison.Ordinal);
        Assert.Equal(RegistryErrorKind.Malformed, html.Error!.Kind);
        Assert.Contains("not JSON", html.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_are_never_sent_to_a_plain_http_token_service_off_loopback()
    {
        StubRegistry? stub = null;
        await using (stub = new StubRegistry(_ => new StubResponse(401, [("WWW-Authenticate", "Bearer realm=\"http://auth.reg.example/token\",service=\"x\"")])))
        {
            using var client = new RegistryClient();

            var head = await client.HeadManifestAsync(Name(stub.Registry, "app:1"), Login, Ct);

            Assert.Equal(RegistryErrorKind.InsecureTokenService, head.Error!.Kind);
            Assert.Contains("http://auth.reg.example/token", head.Error.Message, StringComparison.Ordinal);
            Assert.Single(stub.Requests);
        }
    }

    [Fact]
    public async Task A_challenge_without_a_usable_realm_is_malformed_and_one_without_a_scheme_is_refused()
    {
        await using var noRealm = new StubRegistry(_ => new StubResponse(401, [("WWW-Authenticate", "Bearer service=\"x\"")]));
        await using var noScheme = new StubRegistry(_ => new StubResponse(401));
        using var client = new RegistryClient();

        var a = await client.HeadManifestAsync(Name(noRealm.Registry, "app:1"), null, Ct);
        var b = await client.HeadManifestAsync(Name(noScheme.Registry, "app:1"), null, Ct);

        Assert.Equal(RegistryErrorKind.Malformed, a.Error!.Kind);
        Assert.Contains("names no usable token service", a.Error.Message, StringComparison.Ordinal);
        Assert.Equal(RegistryErrorKind.AuthenticationRefused, b.Error!.Kind);
        Assert.Contains("no Bearer or Basic challenge", b.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_that_could_forge_a_header_is_not_used()
    {
        StubRegistry? stub = null;
        await using (stub = new StubRegistry(request => request.Path == "/token"
            ? StubResponse.Json(200, """{"token":"abc\r\nX-Evil: 1"}""")
            : new StubResponse(401, [("WWW-Authenticate", $"Bearer realm=\"http://{stub!.Registry}/token\"")])))
        {
            using var client = new RegistryClient();

            var head = await client.HeadManifestAsync(Name(stub.Registry, "app:1"), null, Ct);

            Assert.Equal(RegistryErrorKind.Malformed, head.Error!.Kind);
            Assert.Contains("no usable token", head.Error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("X-Evil", head.Error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("127.8.9.10", "http://127.8.9.10/")]
    [InlineData("localhost:5000", "http://localhost:5000/")]
    [InlineData("[::1]:5000", "http://[::1]:5000/")]
    [InlineData("reg.example", "https://reg.example/")]
    [InlineData("reg.example:5000", "http://reg.example:5000/")]
    [InlineData("10.1.2.3:5000", "http://10.1.2.3:5000/")]
    [InlineData("11.1.2.3:5000", "https://11.1.2.3:5000/")]
    [InlineData("plain.example", "http://plain.example/")]
    [InlineData("alias.example", "https://api.reg.example/")]
    public void The_scheme_is_http_only_for_loopback_and_insecure_registries(string registry, string uri)
    {
        using var client = new RegistryClient(new RegistryClientOptions
        {
            InsecureRegistries = ["reg.example:5000", "10.0.0.0/8", "plain.example"],
            Endpoints = new Dictionary<string, string> { ["alias.example"] = "api.reg.example" },
        });

        Assert.Equal(new Uri(uri), client.BaseUri(registry));
    }

    [Fact]
    public async Task A_tls_handshake_with_a_plain_http_server_is_a_tls_failure()
    {
        // Off loopback the client speaks https: listen on this machine's own non-loopback address.
        var address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Assert.SkipWhen(address is null, "no non-loopback IPv4 address on this machine");
        var listener = new TcpListener(address!, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            using var peer = await listener.AcceptTcpClientAsync(Ct);
            var stream = peer.GetStream();
            _ = await stream.ReadAsync(new byte[1024], Ct);
            await stream.WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), Ct);
        }, Ct);
        try
        {
            using var client = new RegistryClient();
            var head = await client.HeadManifestAsync(Name($"{address}:{port}", "app:1"), Login, Ct);

            Assert.Equal(RegistryErrorKind.Tls, head.Error!.Kind);
            Assert.StartsWith($"registry {address}:{port}: TLS with https://{address}:{port} failed", head.Error.Message, StringComparison.Ordinal);
            NoSecretIn(head);
        }
        finally
        {
            listener.Stop();
            await serve.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
