using System.Diagnostics;
using Tidemark.Cli.Doctor;
using Tidemark.Docker.Credentials;

namespace Tidemark.Tests.Doctor;

/// <summary>Issue 10: credential helpers, run for real (fake `#!/bin/sh` helpers on the PATH passed in).</summary>
public sealed class CredentialHelperTests : IDisposable
{
    private readonly FakeDockerClient _client = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _client.Dispose();

    private DockerCredentials Credentials(TimeSpan? timeout = null) => new(_client.Environment, helperTimeout: timeout);

    [Fact]
    public async Task A_creds_store_is_asked_for_its_list_and_a_token_is_reported_as_a_token()
    {
        _client.Config("""{ "auths": { "127.0.0.1:5100": {}, "127.0.0.1:5200": {} }, "credsStore": "fake" }""")
            .Helper("fake", """printf '{"127.0.0.1:5100":"bob","https://127.0.0.1:5200/v1/":"<token>"}'""");

        var listing = await Credentials().ListAsync(null, Ct);

        Assert.Empty(listing.Problems);
        Assert.Equal(2, listing.Registries.Count);
        Assert.Equal(("127.0.0.1:5100", "bob", false), (listing.Registries[0].Host, listing.Registries[0].Username, listing.Registries[0].IdentityToken));
        Assert.Equal(("127.0.0.1:5200", null, true), (listing.Registries[1].Host, listing.Registries[1].Username, listing.Registries[1].IdentityToken));
        var lines = CredentialChecks.From(listing, null);
        Assert.Equal(["127.0.0.1:5100: user bob (credsStore fake)", "127.0.0.1:5200: an identity token (credsStore fake)"], lines.Select(l => l.Evidence));
        Assert.DoesNotContain(lines, l => l.Evidence.Contains("<token>", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cred_helpers_take_precedence_over_the_store_for_their_registry()
    {
        _client.Config("""{ "credsStore": "store", "credHelpers": { "127.0.0.1:5100": "special", "127.0.0.1:5300": "special" } }""")
            .Helper("store", """printf '{"127.0.0.1:5100":"from-store","127.0.0.1:5101":"carol"}'""")
            .Helper("special", """printf '{"127.0.0.1:5100":"dave"}'""");

        var listing = await Credentials().ListAsync(null, Ct);

        Assert.Equal(
            [("127.0.0.1:5100", "credHelpers special", "dave"), ("127.0.0.1:5101", "credsStore store", "carol"), ("127.0.0.1:5300", "credHelpers special", null)],
            listing.Registries.Select(r => (r.Host, r.How, r.Username)));
        var lines = CredentialChecks.From(listing, null);
        Assert.Contains("127.0.0.1:5300: no username listed by the helper (credHelpers special)", lines.Select(l => l.Evidence));
    }

    [Fact]
    public async Task A_helper_missing_from_path_is_a_warning_not_a_crash()
    {
        _client.Config("""{ "credsStore": "nowhere", "credHelpers": { "127.0.0.1:5100": "absent" } }""");

        var listing = await Credentials().ListAsync(null, Ct);

        Assert.Equal([CredentialProblemKind.HelperNotOnPath, CredentialProblemKind.HelperNotOnPath], listing.Problems.Select(p => p.Kind));
        var lines = CredentialChecks.From(listing, null);
        Assert.All(lines, l => Assert.Equal(CheckStatus.Warn, l.Status));
        Assert.Equal($"127.0.0.1:5100 (credHelpers absent): docker-credential-absent is not on PATH ({_client.Bin})", lines[0].Evidence);
        Assert.Equal($"install docker-credential-absent, or fix credHelpers in {_client.ConfigPath}", lines[0].Remedy);
        Assert.Equal($"credsStore nowhere: docker-credential-nowhere is not on PATH ({_client.Bin})", lines[1].Evidence);
        Assert.Equal($"install docker-credential-nowhere, or fix credsStore in {_client.ConfigPath}", lines[1].Remedy);

        var lookup = await Credentials().ResolveAsync(null, "127.0.0.1:5100", Ct);
        Assert.Null(lookup.Credential);
        Assert.Contains("docker-credential-absent is not on PATH", lookup.Problem);
    }

    [Fact]
    public async Task A_helper_that_is_not_executable_or_has_a_path_for_a_name_is_not_run()
    {
        _client.Config("""{ "credsStore": "../bin/docker-credential-evil" }""")
            .Helper("evil", "touch \"$0.ran\"; printf '{}'");

        var listing = await Credentials().ListAsync(null, Ct);

        var problem = Assert.Single(listing.Problems);
        Assert.Equal(CredentialProblemKind.HelperInvalidName, problem.Kind);
        Assert.False(File.Exists(Path.Combine(_client.Bin, "docker-credential-evil.ran")));

        File.SetUnixFileMode(Path.Combine(_client.Bin, "docker-credential-evil"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _client.Config("""{ "credsStore": "evil" }""");
        Assert.Equal(CredentialProblemKind.HelperNotOnPath, Assert.Single((await Credentials().ListAsync(null, Ct)).Problems).Kind);
    }

    [Fact]
    public async Task A_helper_that_hangs_is_stopped_at_the_timeout()
    {
        _client.Config("""{ "credsStore": "slow" }""").Helper("slow", "sleep 60", "sleep 60");
        var clock = Stopwatch.StartNew();

        var listing = await Credentials(TimeSpan.FromSeconds(1)).ListAsync(null, Ct);
        var lookup = await Credentials(TimeSpan.FromSeconds(1)).ResolveAsync(null, "127.0.0.1:5100", Ct);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        var problem = Assert.Single(listing.Problems);
        Assert.Equal(CredentialProblemKind.HelperFailed, problem.Kind);
        Assert.Equal("docker-credential-slow list did not answer within 1 s", problem.Detail);
        var line = Assert.Single(CredentialChecks.From(listing, null));
        Assert.Equal(CheckStatus.Warn, line.Status);
        Assert.Equal("run `docker-credential-slow list` as the user whose config this is to see why", line.Remedy);
        Assert.Null(lookup.Credential);
        Assert.Contains("did not answer within 1 s", lookup.Problem);
    }

    [Fact]
    public async Task A_helper_that_prints_garbage_or_fails_is_reported_without_what_it_printed()
    {
        _client.Config("""{ "credHelpers": { "127.0.0.1:5100": "garbage", "127.0.0.1:5200": "failing" } }""")
            .Helper("garbage", "printf 'this is not {json'", "printf 'nor this'")
            .Helper("failing", "echo 'cannot reach the keyring'; exit 3");

        var listing = await Credentials().ListAsync(null, Ct);

        Assert.Equal(
            ["docker-credential-failing list exit 3 (run it as this user to see its message)", "docker-credential-garbage list printed something that is not JSON"],
            listing.Problems.Select(p => p.Detail));
        var lookup = await Credentials().ResolveAsync(null, "127.0.0.1:5100", Ct);
        Assert.Null(lookup.Credential);
        Assert.Equal("docker-credential-garbage get printed something that is not JSON", lookup.Problem);
    }

    [Fact]
    public async Task A_helper_that_prints_without_end_is_killed_at_the_output_bound()
    {
        _client.Config("""{ "credsStore": "endless" }""").Helper("endless", "yes '{}'");

        var listing = await Credentials(TimeSpan.FromSeconds(20)).ListAsync(null, Ct);

        Assert.Equal("docker-credential-endless list printed too much", Assert.Single(listing.Problems).Detail);
    }

    [Fact]
    public async Task Get_reads_the_server_on_stdin_and_gives_the_stored_credentials()
    {
        _client.Config("""{ "credsStore": "fake" }""")
            .Helper("fake", """printf '{"http://127.0.0.1:5100":"bob"}'""",
                """[ "$server" = "http://127.0.0.1:5100" ] || { echo 'credentials not found in native keychain'; exit 1; }; printf '{"ServerURL":"%s","Username":"bob","Secret":"pw-from-helper"}' "$server" """);

        var lookup = await Credentials().ResolveAsync(null, "127.0.0.1:5100", Ct);

        Assert.Null(lookup.Problem);
        Assert.Equal("credsStore fake", lookup.Via);
        var credential = Assert.IsType<RegistryCredential>(lookup.Credential);
        Assert.Equal(("http://127.0.0.1:5100", "bob", "pw-from-helper", null), (credential.ServerAddress, credential.Username, credential.Password, credential.IdentityToken));

        var none = await Credentials().ResolveAsync(null, "127.0.0.1:5999", Ct);
        Assert.Null(none.Credential);
        Assert.Null(none.Problem);
    }

    [Fact]
    public async Task A_helper_token_becomes_an_identity_token()
    {
        _client.Config("""{ "credHelpers": { "127.0.0.1:5100": "tok" } }""")
            .Helper("tok", """printf '{"127.0.0.1:5100":"<token>"}'""", """printf '{"ServerURL":"127.0.0.1:5100","Username":"<token>","Secret":"refresh-token"}'""");

        var credential = (await Credentials().ResolveAsync(null, "https://127.0.0.1:5100/v1/", Ct)).Credential!;

        Assert.Null(credential.Username);
        Assert.Null(credential.Password);
        Assert.Equal("refresh-token", credential.IdentityToken);
        Assert.Equal("credHelpers tok", credential.Via);
    }

    [Fact]
    public async Task Inline_credentials_resolve_by_host_and_a_creds_store_shadows_them()
    {
        _client.Config($$"""{ "auths": { "https://127.0.0.1:5100/v1/": { "auth": "{{FakeDockerClient.Base64("alice:pw:with:colons")}}" } } }""");

        var credential = (await Credentials().ResolveAsync(null, "127.0.0.1:5100", Ct)).Credential!;
        Assert.Equal(("https://127.0.0.1:5100/v1/", "alice", "pw:with:colons", "inline auth"), (credential.ServerAddress, credential.Username, credential.Password, credential.Via));

        _client.Config($$"""{ "auths": { "127.0.0.1:5100": { "auth": "{{FakeDockerClient.Base64("alice:pw")}}" } }, "credsStore": "empty" }""")
            .Helper("empty", "printf '{}'");
        var listing = await Credentials().ListAsync(null, Ct);
        var shadowed = Assert.Single(listing.Problems);
        Assert.Equal(CredentialProblemKind.InlineAuthShadowed, shadowed.Kind);
        var line = Assert.Single(CredentialChecks.From(listing, null));
        Assert.Equal(CheckStatus.Warn, line.Status);
        Assert.Equal($"127.0.0.1:5100: inline credentials (user alice) are not used: credsStore empty takes precedence in {_client.ConfigPath}", line.Evidence);
        Assert.Null((await Credentials().ResolveAsync(null, "127.0.0.1:5100", Ct)).Credential);
    }
}
