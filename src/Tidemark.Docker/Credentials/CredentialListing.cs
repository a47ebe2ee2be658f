namespace Tidemark.Docker.Credentials;

public enum CredentialSource
{
    /// <summary>In config.json's <c>auths</c> (an <c>auth</c> string, or username/password, or an identity token).</summary>
    InlineAuth,

    /// <summary>In the store named by <c>credsStore</c>.</summary>
    CredsStore,

    /// <summary>In the helper <c>credHelpers</c> names for this registry.</summary>
    CredHelper,
}

/// <summary>
/// One registry with credentials, as the doctor shows it: who, and how held. Never a secret:
/// there is no field for one.
/// </summary>
/// <param name="Host">The registry host (<see cref="RegistryHost.Normalize"/>).</param>
/// <param name="Key">The key as written in the file or as the helper lists it.</param>
/// <param name="Helper">The credential helper's name for <see cref="CredentialSource.CredsStore"/> and <see cref="CredentialSource.CredHelper"/>.</param>
/// <param name="Username">The username only (from inline auth: the part before the first ':'); null for a token or when the helper lists none.</param>
/// <param name="IdentityToken">An identity token is held (inline, or a helper's "&lt;token&gt;" username).</param>
public sealed record RegistryCredentialInfo(
    string Host,
    string Key,
    CredentialSource Source,
    string? Helper,
    string? Username,
    bool IdentityToken)
{
    /// <summary>"inline auth", "credsStore NAME" or "credHelpers NAME".</summary>
    public string How => Describe(Source, Helper);

    public static string Describe(CredentialSource source, string? helper) => source switch
    {
        CredentialSource.InlineAuth => "inline auth",
        CredentialSource.CredsStore => $"credsStore {helper}",
        _ => $"credHelpers {helper}",
    };
}

public enum CredentialProblemKind
{
    /// <summary>A configured helper is not on PATH (a pull through the Docker CLI would fail).</summary>
    HelperNotOnPath,

    /// <summary>A configured helper name is not one Docker could run.</summary>
    HelperInvalidName,

    /// <summary>The helper ran but its <c>list</c> failed, hung or printed garbage.</summary>
    HelperFailed,

    /// <summary>An inline <c>auth</c> is not base64 of user:password (the Docker CLI refuses the whole file).</summary>
    InlineAuthInvalid,

    /// <summary>An inline entry holds credentials that are never used: a credsStore or credHelpers entry takes precedence.</summary>
    InlineAuthShadowed,
}

/// <summary>Something in the configuration that stands between a pull and its credentials.</summary>
/// <param name="Helper">The helper concerned, if any.</param>
/// <param name="Hosts">The registries affected (empty for a credsStore: all of them).</param>
/// <param name="Detail">What happened, naming the program or entry; never a secret.</param>
public sealed record CredentialProblem(
    CredentialProblemKind Kind,
    CredentialSource Source,
    string? Helper,
    IReadOnlyList<string> Hosts,
    string Detail)
{
    public string How => RegistryCredentialInfo.Describe(Source, Helper);
}

/// <summary>Everything the doctor reports about registry credentials.</summary>
/// <param name="SearchPath">The PATH credential helpers were looked for on.</param>
public sealed record CredentialListing(
    DockerConfigRead Config,
    IReadOnlyList<RegistryCredentialInfo> Registries,
    IReadOnlyList<CredentialProblem> Problems,
    string SearchPath)
{
    /// <summary>The listed registries whose host is <paramref name="registry"/>'s (a host or a URL like the daemon's IndexServerAddress).</summary>
    public IEnumerable<RegistryCredentialInfo> For(string registry)
    {
        var host = RegistryHost.Normalize(registry);
        return Registries.Where(r => r.Host == host);
    }
}
