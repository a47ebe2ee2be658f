using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tidemark.Docker.Credentials;

/// <summary>What <c>docker-credential-NAME list</c> gave: server → username, or why not.</summary>
public sealed record HelperListing(IReadOnlyDictionary<string, string>? Servers, HelperFailure? Failure);

/// <summary>Why a helper gave nothing usable. <see cref="Detail"/> never holds what a <c>get</c> printed.</summary>
public sealed record HelperFailure(HelperFailureKind Kind, string Detail);

public enum HelperFailureKind
{
    /// <summary>The name is not one Docker could run (it holds '/' or odd characters).</summary>
    InvalidName,
    NotOnPath,
    /// <summary>It ran but failed, hung, or printed something that is not the protocol's JSON.</summary>
    Failed,
}

/// <summary>What <c>docker-credential-NAME get</c> gave for one server.</summary>
/// <param name="Found">The stored credentials; null when the helper has none for the server (or failed).</param>
public sealed record HelperSecret(HelperStored? Found, HelperFailure? Failure);

/// <summary>A helper's answer to <c>get</c>. The secret is not printed by ToString nor serialised.</summary>
/// <param name="IsToken">The helper reported username "&lt;token&gt;": the secret is an identity token.</param>
public sealed record HelperStored(string ServerUrl, string? Username, [property: JsonIgnore] string Secret, bool IsToken)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ServerUrl = ").Append(ServerUrl)
            .Append(", Username = ").Append(Username)
            .Append(", Secret = ").Append(Redacted.Text)
            .Append(", IsToken = ").Append(IsToken);
        return true;
    }
}

/// <summary>
/// The docker-credential-helpers protocol: <c>list</c> prints a JSON object server → username
/// (no secrets); <c>get</c> reads a server URL on stdin and prints {ServerURL, Username, Secret},
/// or "credentials not found in native keychain" with a non-zero exit. Helpers are found on the
/// PATH given (<see cref="HelperPath"/>), run without a shell, with a timeout.
/// </summary>
public sealed class CredentialHelper(IProcessRunner runner, string path, TimeSpan timeout)
{
    /// <summary>How helpers report an identity token in place of a username.</summary>
    public const string TokenUsername = "<token>";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private const string NotFound = "credentials not found in native keychain";

    public string SearchPath => path;

    public async Task<HelperListing> ListAsync(string helper, CancellationToken cancellationToken)
    {
        var (outcome, failure) = await RunAsync(helper, "list", null, cancellationToken);
        if (failure is not null)
        {
            return new HelperListing(null, failure);
        }

        if (outcome!.ExitCode != 0)
        {
            // What it printed is not shown: a broken helper (or its gpg) may print a secret in an error.
            return new HelperListing(null, Failed(helper, "list", $"exit {outcome.ExitCode} (run it as this user to see its message)"));
        }

        try
        {
            using var document = JsonDocument.Parse(outcome.Output);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return new HelperListing(null, Failed(helper, "list", "printed JSON that is not an object"));
            }

            Dictionary<string, string> servers = new(StringComparer.Ordinal);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                servers[entry.Name] = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() ?? "" : "";
            }

            return new HelperListing(servers, null);
        }
        catch (JsonException)
        {
            return new HelperListing(null, Failed(helper, "list", "printed something that is not JSON"));
        }
    }

    public async Task<HelperSecret> GetAsync(string helper, string serverUrl, CancellationToken cancellationToken)
    {
        var (outcome, failure) = await RunAsync(helper, "get", serverUrl, cancellationToken);
        if (failure is not null)
        {
            return new HelperSecret(null, failure);
        }

        if (outcome!.ExitCode != 0)
        {
            if (outcome.Output.Contains(NotFound, StringComparison.OrdinalIgnoreCase) || outcome.Error.Contains(NotFound, StringComparison.OrdinalIgnoreCase))
            {
                return new HelperSecret(null, null);
            }

            // What a failed get printed is not shown: a broken helper may have printed the secret.
            return new HelperSecret(null, Failed(helper, "get", $"exit {outcome.ExitCode}"));
        }

        try
        {
            using var document = JsonDocument.Parse(outcome.Output);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new HelperSecret(null, Failed(helper, "get", "printed JSON that is not an object"));
            }

            var username = StringField(root, "Username");
            var secret = StringField(root, "Secret");
            var server = StringField(root, "ServerURL") is { Length: > 0 } s ? s : serverUrl;
            if (string.IsNullOrEmpty(secret))
            {
                return new HelperSecret(null, null);
            }

            var isToken = username == TokenUsername;
            return new HelperSecret(new HelperStored(server, isToken || string.IsNullOrEmpty(username) ? null : username, secret, isToken), null);
        }
        catch (JsonException)
        {
            return new HelperSecret(null, Failed(helper, "get", "printed something that is not JSON"));
        }
    }

    private async Task<(ProcessOutcome? Outcome, HelperFailure? Failure)> RunAsync(string helper, string verb, string? input, CancellationToken cancellationToken)
    {
        var program = HelperPath.ProgramName(helper);
        if (!HelperPath.IsValidName(helper))
        {
            return (null, new HelperFailure(HelperFailureKind.InvalidName, $"'{helper}' is not a credential helper name"));
        }

        if (HelperPath.Find(helper, path) is not { } file)
        {
            return (null, new HelperFailure(HelperFailureKind.NotOnPath, $"{program} is not on PATH ({path})"));
        }

        var outcome = await runner.RunAsync(new ProcessRequest(file, [verb], input, timeout), cancellationToken);
        return outcome.End switch
        {
            ProcessEnd.Exited => (outcome, null),
            ProcessEnd.TimedOut => (null, Failed(helper, verb, $"did not answer within {timeout.TotalSeconds:0.#} s")),
            ProcessEnd.OutputTooLarge => (null, Failed(helper, verb, "printed too much")),
            _ => (null, Failed(helper, verb, $"could not be started: {outcome.StartError}")),
        };
    }

    private static HelperFailure Failed(string helper, string verb, string detail) =>
        new(HelperFailureKind.Failed, $"{HelperPath.ProgramName(helper)} {verb} {detail}");

    private static string? StringField(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
