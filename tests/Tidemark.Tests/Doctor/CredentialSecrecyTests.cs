using System.Text;
using System.Text.Json;
using Tidemark.Cli.Doctor;
using Tidemark.Docker.Credentials;

namespace Tidemark.Tests.Doctor;

/// <summary>
/// Issue 10: a password, token, identity token or encoded auth string never appears in any
/// output. Everything the credentials code can print is gathered, with known secrets in every
/// place a secret can be held, and searched for them.
/// </summary>
public sealed class CredentialSecrecyTests : IDisposable
{
    private const string InlinePassword = "Inline-Pa55-q7Zx";
    private const string FieldPassword = "Field-Pa55-k3Wm";
    private const string InlineToken = "Inline-IdTok-r8Nv";
    private const string StorePassword = "Store-Pa55-j2Lp";
    private const string HelperToken = "Helper-IdTok-u5Hc";
    private const string BrokenSecret = "Broken-Pa55-e9Fd";

    private static readonly string InlineAuth = FakeDockerClient.Base64("alice:" + InlinePassword);
    private static readonly string TokenAuth = FakeDockerClient.Base64("carol:" + InlinePassword + "2");

    private static readonly string[] Secrets =
    [
        InlinePassword, FieldPassword, InlineToken, StorePassword, HelperToken, BrokenSecret, InlineAuth, TokenAuth,
        InlinePassword + "2",
        // The encoded forms a leak could take.
        FakeDockerClient.Base64(InlinePassword), FakeDockerClient.Base64(StorePassword),
    ];

    private readonly FakeDockerClient _client = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task No_secret_appears_in_anything_the_credentials_code_prints()
    {
        _client.Config($$"""
            {
              "auths": {
                "127.0.0.1:5100": { "auth": "{{InlineAuth}}" },
                "127.0.0.1:5101": { "username": "bob", "password": "{{FieldPassword}}" },
                "127.0.0.1:5102": { "auth": "{{TokenAuth}}", "identitytoken": "{{InlineToken}}" },
                "127.0.0.1:5103": { "auth": "{{InlinePassword}}" },
                "127.0.0.1:5200": {}
              },
              "credHelpers": {
                "127.0.0.1:5200": "store",
                "127.0.0.1:5300": "tokens",
                "127.0.0.1:5400": "broken"
              }
            }
            """)
            .Helper("store", """printf '{"127.0.0.1:5200":"dave"}'""",
                $$"""printf '{"ServerURL":"127.0.0.1:5200","Username":"dave","Secret":"{{StorePassword}}"}'""")
            .Helper("tokens", """printf '{"127.0.0.1:5300":"<token>"}'""",
                $$"""printf '{"ServerURL":"127.0.0.1:5300","Username":"<token>","Secret":"{{HelperToken}}"}'""")
            .Helper("broken", $$"""echo 'list: ok'; exit 1""",
                $$"""echo 'Secret {{BrokenSecret}} oops'; echo '{{BrokenSecret}}' >&2; exit 1""");
        var credentials = new DockerCredentials(_client.Environment);
        StringBuilder all = new();
        void Print(object? value) => all.Append(value).Append('\n');
        var json = new JsonSerializerOptions { WriteIndented = false };

        var listing = await credentials.ListAsync(null, Ct);
        Print(listing);
        Print(listing.Config);
        Print(listing.Config.Config);
        foreach (var auth in listing.Config.Config!.Auths)
        {
            Print(auth);
            Print(JsonSerializer.Serialize(auth, json));
        }

        foreach (var registry in listing.Registries)
        {
            Print(registry);
            Print(JsonSerializer.Serialize(registry, json));
        }

        foreach (var problem in listing.Problems)
        {
            Print(problem);
        }

        foreach (var line in CredentialChecks.From(listing, "https://127.0.0.1:5999/v1/"))
        {
            Print(line);
            Print($"{line.Status} {line.Area} {line.Evidence} {line.Remedy}");
            foreach (var (key, value) in line.Facts ?? new Dictionary<string, object?>())
            {
                Print($"{key}={value}");
            }
        }

        List<RegistryCredential> found = [];
        foreach (var registry in new[] { "127.0.0.1:5100", "127.0.0.1:5101", "127.0.0.1:5102", "127.0.0.1:5103", "127.0.0.1:5200", "127.0.0.1:5300", "127.0.0.1:5400" })
        {
            var lookup = await credentials.ResolveAsync(null, registry, Ct);
            Print(lookup);
            Print(lookup.Problem);
            if (lookup.Credential is { } credential)
            {
                found.Add(credential);
                Print(credential);
                Print($"{credential}");
                Print(JsonSerializer.Serialize(credential, json));
            }
        }

        // A helper's answer and a run's outcome, printed directly.
        var helper = new CredentialHelper(new ProcessRunner(), _client.Bin, TimeSpan.FromSeconds(10));
        var stored = await helper.GetAsync("store", "127.0.0.1:5200", Ct);
        Print(stored);
        Print(stored.Found);
        var outcome = await new ProcessRunner().RunAsync(new ProcessRequest(Path.Combine(_client.Bin, "docker-credential-store"), ["get"], "127.0.0.1:5200", TimeSpan.FromSeconds(10)), Ct);
        Print(outcome);
        Assert.Contains(StorePassword, outcome.Output);

        // Broken configurations: the errors quote no content.
        foreach (var broken in new[]
        {
            $$"""{ "auths": { "127.0.0.1:5100": { "auth": "{{InlineAuth}}" """,
            $$"""{ "auths": { "127.0.0.1:5100": { "auth": "{{InlineAuth}}", "password": {{InlinePassword}} } } }""",
            $$"""{ "auths": { "127.0.0.1:5100": { "auth": {{InlineAuth}} } } }""",
            $$"""{ "auths": { "127.0.0.1:5100": { "password": ["{{FieldPassword}}"] } } }""",
        })
        {
            _client.Config(broken);
            var read = credentials.Read(null);
            Assert.Equal(DockerConfigState.Invalid, read.State);
            Print(read);
            Print(read.Error);
            foreach (var line in CredentialChecks.From(await credentials.ListAsync(null, Ct), null))
            {
                Print($"{line.Evidence} {line.Remedy}");
            }
        }

        // The secrets were really there to be leaked: the resolved credentials hold them.
        Assert.Equal(
            [InlinePassword, FieldPassword, null, StorePassword, null],
            found.Select(c => c.Password));
        Assert.Equal([null, null, InlineToken, null, HelperToken], found.Select(c => c.IdentityToken));
        Assert.Contains("user alice (inline auth)", all.ToString());
        Assert.Contains("user dave (credHelpers store)", all.ToString());

        var text = all.ToString();
        foreach (var secret in Secrets)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"'{secret}' was printed");
        }

        Assert.Contains("(redacted)", text);
    }
}
