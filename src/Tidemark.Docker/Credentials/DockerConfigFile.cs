using System.Text;
using System.Text.Json.Serialization;

namespace Tidemark.Docker.Credentials;

/// <summary>
/// The parts of a Docker client configuration (config.json) that hold or point at registry
/// credentials: <c>auths</c>, <c>credsStore</c> and <c>credHelpers</c>. Other keys are ignored.
/// </summary>
/// <param name="CredHelpers">Registry key as written → helper name (docker-credential-NAME).</param>
public sealed record DockerConfigFile(
    string Path,
    IReadOnlyList<InlineAuth> Auths,
    string? CredsStore,
    IReadOnlyDictionary<string, string> CredHelpers)
{
    /// <summary>The helper configured for a registry in <c>credHelpers</c>, matched by host.</summary>
    public string? HelperFor(string registry)
    {
        if (CredHelpers.TryGetValue(registry, out var exact))
        {
            return exact;
        }

        var host = RegistryHost.Normalize(registry);
        foreach (var (key, helper) in CredHelpers)
        {
            if (RegistryHost.Normalize(key) == host)
            {
                return helper;
            }
        }

        return null;
    }

    /// <summary>The <c>auths</c> entries for a registry, the one whose key is written exactly so first.</summary>
    public IEnumerable<InlineAuth> AuthsFor(string registry)
    {
        var host = RegistryHost.Normalize(registry);
        return Auths.Where(a => a.Host == host).OrderBy(a => a.Key == registry ? 0 : 1);
    }
}

/// <summary>
/// One entry of <c>auths</c>. It holds secrets, so it never prints them: ToString shows the
/// username and whether a secret is present, and JSON serialisation leaves the secrets out.
/// </summary>
/// <param name="Key">The key as written in the file.</param>
/// <param name="Host">The key's registry host (<see cref="RegistryHost.Normalize"/>).</param>
/// <param name="Username">From the decoded <c>auth</c> (the part before the first ':') or <c>username</c>.</param>
/// <param name="Problem">Why the entry cannot be used (an <c>auth</c> that is not base64 of user:password), or null.</param>
public sealed record InlineAuth(
    string Key,
    string Host,
    string? Username,
    [property: JsonIgnore] string? Password,
    [property: JsonIgnore] string? IdentityToken,
    string? Problem)
{
    /// <summary>An empty entry (<c>{}</c>), written by <c>docker login</c> when a credsStore holds the secret.</summary>
    public bool IsEmpty => Username is null && Password is null && IdentityToken is null && Problem is null;

    public bool HasIdentityToken => IdentityToken is not null;

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Key = ").Append(Key)
            .Append(", Host = ").Append(Host)
            .Append(", Username = ").Append(Username)
            .Append(", Password = ").Append(Password is null ? "null" : Redacted.Text)
            .Append(", IdentityToken = ").Append(IdentityToken is null ? "null" : Redacted.Text)
            .Append(", Problem = ").Append(Problem);
        return true;
    }
}

internal static class Redacted
{
    public const string Text = "(redacted)";
}
