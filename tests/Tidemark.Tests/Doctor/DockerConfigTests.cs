using Tidemark.Cli.Doctor;
using Tidemark.Docker.Credentials;

namespace Tidemark.Tests.Doctor;

/// <summary>Issue 10: finding and reading the Docker client configuration, inline credentials, and the doctor's lines for them.</summary>
public sealed class DockerConfigTests : IDisposable
{
    private readonly FakeDockerClient _client = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _client.Dispose();

    private Task<CredentialListing> ListAsync(string? configured = null) =>
        new DockerCredentials(_client.Environment).ListAsync(configured, Ct);

    [Fact]
    public void The_configuration_is_the_setting_then_DOCKER_CONFIG_then_HOME()
    {
        Func<string, string?> env = n => n switch { "DOCKER_CONFIG" => "/cfg", "HOME" => "/home/ci", _ => null };
        Assert.Equal("/etc/ci/docker.json", DockerConfigLocation.Find("/etc/ci/docker.json", env).Path);
        Assert.Equal(Path.Combine(_client.ConfigDir, "config.json"), DockerConfigLocation.Find(_client.ConfigDir, env).Path);
        Assert.Equal("/cfg/config.json", DockerConfigLocation.Find("", env).Path);
        Assert.Equal("/home/ci/.docker/config.json", DockerConfigLocation.Find(null, n => n == "HOME" ? "/home/ci" : null).Path);
        var none = DockerConfigLocation.Find(null, _ => null);
        Assert.Null(none.Path);
        Assert.Contains("$HOME", none.Source);
    }

    [Fact]
    public async Task A_missing_file_is_a_warning_that_names_the_path_and_why_that_path()
    {
        var listing = await ListAsync();

        Assert.Equal(DockerConfigState.Missing, listing.Config.State);
        var line = Assert.Single(CredentialChecks.From(listing, "https://127.0.0.1:5999/v1/"));
        Assert.Equal(CheckStatus.Warn, line.Status);
        Assert.Equal("credentials", line.Area);
        Assert.Contains(_client.ConfigPath, line.Evidence);
        Assert.Contains("$DOCKER_CONFIG", line.Evidence);
        Assert.Contains("docker login", line.Remedy);
    }

    [Fact]
    public async Task Inline_credentials_are_listed_by_host_with_the_username_only()
    {
        _client.Config($$"""
            {
              "auths": {
                "https://127.0.0.1:5100/v1/": { "auth": "{{FakeDockerClient.Base64("alice:pa:ss:word")}}", "email": "a@example.invalid" },
                "http://127.0.0.1:5101": { "username": "bob", "password": "hunter2" },
                "127.0.0.1:5102": { "auth": "{{FakeDockerClient.Base64("carol:")}}", "identitytoken": "tok" },
                "127.0.0.1:5103": {}
              },
              "HttpHeaders": { "User-Agent": "ci" },
              "psFormat": "table id",
              "experimental": "enabled"
            }
            """);

        var listing = await ListAsync();

        Assert.Equal(DockerConfigState.Loaded, listing.Config.State);
        Assert.Equal(["127.0.0.1:5100", "127.0.0.1:5101", "127.0.0.1:5102"], listing.Registries.Select(r => r.Host));
        Assert.Equal(["alice", "bob", "carol"], listing.Registries.Select(r => r.Username));
        Assert.All(listing.Registries, r => Assert.Equal(CredentialSource.InlineAuth, r.Source));
        Assert.True(listing.Registries[2].IdentityToken);
        Assert.Empty(listing.Problems);

        var lines = CredentialChecks.From(listing, null);
        Assert.Equal(
            ["127.0.0.1:5100: user alice (inline auth)", "127.0.0.1:5101: user bob (inline auth)", "127.0.0.1:5102: user carol with an identity token (inline auth)"],
            lines.Select(l => l.Evidence));
        Assert.All(lines, l => Assert.Equal(CheckStatus.Ok, l.Status));
        Assert.Equal("alice", lines[0].Facts!["username"]);
        Assert.Equal("auths", lines[0].Facts!["source"]);
        Assert.Equal(_client.ConfigPath, lines[0].Facts!["config"]);
    }

    [Fact]
    public async Task The_default_registry_without_credentials_is_a_warning_and_with_them_an_ok_line()
    {
        _client.Config($$"""{ "auths": { "127.0.0.1:5100": { "auth": "{{FakeDockerClient.Base64("alice:x")}}" } } }""");
        var listing = await ListAsync();

        var without = CredentialChecks.From(listing, "https://127.0.0.1:5999/v1/");
        var warn = Assert.Single(without, l => l.Status == CheckStatus.Warn);
        Assert.Contains("default registry 127.0.0.1:5999: no credentials in " + _client.ConfigPath, warn.Evidence);
        Assert.Contains("docker login", warn.Remedy);
        Assert.Contains("[registry] docker_config", warn.Remedy);

        var with = CredentialChecks.From(listing, "https://127.0.0.1:5100/v1/");
        Assert.Equal(CheckStatus.Ok, Assert.Single(with).Status);
        Assert.Equal(true, with[0].Facts!["defaultRegistry"]);
    }

    [Fact]
    public async Task Invalid_json_fails_naming_the_file_and_position_but_not_the_content()
    {
        _client.Config("{\n  \"auths\": {\n    \"127.0.0.1:5100\": { \"auth\": \"c2VjcmV0\" \n");

        var listing = await ListAsync();

        Assert.Equal(DockerConfigState.Invalid, listing.Config.State);
        var line = Assert.Single(CredentialChecks.From(listing, null));
        Assert.Equal(CheckStatus.Fail, line.Status);
        Assert.Contains(_client.ConfigPath, line.Evidence);
        Assert.Contains("not valid JSON (line ", line.Evidence);
        Assert.DoesNotContain("c2VjcmV0", line.Evidence);
        Assert.NotNull(line.Remedy);
    }

    [Theory]
    [InlineData("[1, 2]", "not a JSON object")]
    [InlineData("""{ "auths": [] }""", "'auths' must be an object")]
    [InlineData("""{ "auths": { "127.0.0.1:5100": "x" } }""", "'auths' entry '127.0.0.1:5100' must be an object")]
    [InlineData("""{ "auths": { "127.0.0.1:5100": { "auth": 5 } } }""", "'auths' entry '127.0.0.1:5100': 'auth' must be a string")]
    [InlineData("""{ "credsStore": 1 }""", "'credsStore' must be a string")]
    [InlineData("""{ "credHelpers": { "127.0.0.1:5100": true } }""", "'credHelpers' entry '127.0.0.1:5100' must be a string")]
    public async Task A_configuration_of_the_wrong_shape_fails_with_what_is_wrong(string json, string expected)
    {
        _client.Config(json);
        var line = Assert.Single(CredentialChecks.From(await ListAsync(), null));
        Assert.Equal(CheckStatus.Fail, line.Status);
        Assert.Contains(expected, line.Evidence);
    }

    [Fact]
    public async Task An_oversized_file_and_a_directory_in_its_place_are_refused()
    {
        await File.WriteAllTextAsync(_client.ConfigPath, "{\"x\":\"" + new string('a', DockerConfigReader.MaxBytes) + "\"}", Ct);
        var big = Assert.Single(CredentialChecks.From(await ListAsync(), null));
        Assert.Equal(CheckStatus.Fail, big.Status);
        Assert.Contains("larger than 4 MiB", big.Evidence);

        File.Delete(_client.ConfigPath);
        Directory.CreateDirectory(_client.ConfigPath);
        var dir = Assert.Single(CredentialChecks.From(await ListAsync(), null));
        Assert.Equal(CheckStatus.Fail, dir.Status);
        Assert.Contains("is a directory", dir.Evidence);
    }

    [Fact]
    public async Task An_explicit_setting_may_name_the_file_or_its_directory()
    {
        var other = Path.Combine(_client.Dir, "deploy");
        Directory.CreateDirectory(other);
        await File.WriteAllTextAsync(Path.Combine(other, "config.json"), $$"""{ "auths": { "127.0.0.1:5100": { "auth": "{{FakeDockerClient.Base64("deployer:x")}}" } } }""", Ct);

        Assert.Equal("deployer", Assert.Single((await ListAsync(other)).Registries).Username);
        Assert.Equal("deployer", Assert.Single((await ListAsync(Path.Combine(other, "config.json"))).Registries).Username);
        Assert.Equal("[registry] docker_config", (await ListAsync(other)).Config.Location.Source);
    }

    [Fact]
    public async Task An_undecodable_inline_auth_fails_for_that_registry()
    {
        _client.Config("""{ "auths": { "127.0.0.1:5100": { "auth": "not base64!" }, "127.0.0.1:5101": { "auth": "bm9jb2xvbg==" } } }""");

        var listing = await ListAsync();

        Assert.Empty(listing.Registries);
        var lines = CredentialChecks.From(listing, null);
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal(CheckStatus.Fail, l.Status));
        Assert.Contains("127.0.0.1:5100: inline auth is not base64 of user:password in " + _client.ConfigPath, lines[0].Evidence);
        Assert.Contains("docker login 127.0.0.1:5100", lines[0].Remedy);
        Assert.DoesNotContain("bm9jb2xvbg", string.Join("\n", lines.Select(l => l.Evidence + l.Remedy)));
    }

    [Fact]
    public void Registry_keys_are_matched_by_host()
    {
        Assert.Equal("127.0.0.1:5100", RegistryHost.Normalize("https://127.0.0.1:5100/v1/"));
        Assert.Equal("127.0.0.1:5100", RegistryHost.Normalize("http://127.0.0.1:5100"));
        Assert.Equal("127.0.0.1:5100", RegistryHost.Normalize("127.0.0.1:5100"));
        Assert.Equal("127.0.0.1:443", RegistryHost.Normalize("HTTPS://127.0.0.1:443/V2/"));
        Assert.True(RegistryHost.Same("https://127.0.0.1:5100/v1/", "127.0.0.1:5100"));
        Assert.False(RegistryHost.Same("127.0.0.1:5100", "127.0.0.1:5101"));
    }
}
