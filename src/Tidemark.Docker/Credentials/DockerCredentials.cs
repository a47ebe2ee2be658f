namespace Tidemark.Docker.Credentials;

/// <summary>
/// The registry credentials a Docker client configuration gives: listed for the doctor (who and
/// how held, never a secret) and resolved for a pull (the secret, for X-Registry-Auth only).
/// </summary>
/// <remarks>
/// The order is the Docker CLI's: <c>credHelpers</c> for the registry, else <c>credsStore</c>,
/// else the inline <c>auths</c> entry. The first that applies answers alone, as in the CLI: when
/// a credsStore is set, an inline entry is not used even if the store has nothing for that
/// registry (the listing reports such an entry as shadowed).
/// </remarks>
public sealed class DockerCredentials
{
    private readonly Func<string, string?> _environment;
    private readonly CredentialHelper _helpers;

    /// <param name="environment">Environment lookups: DOCKER_CONFIG, HOME and PATH (helpers are looked for on it).</param>
    /// <param name="runner">Runs the helpers; a real <see cref="ProcessRunner"/> by default.</param>
    /// <param name="helperTimeout">How long a helper may take (<see cref="CredentialHelper.DefaultTimeout"/>, 10 s, by default).</param>
    public DockerCredentials(Func<string, string?> environment, IProcessRunner? runner = null, TimeSpan? helperTimeout = null)
    {
        _environment = environment;
        var path = environment("PATH") is { Length: > 0 } p ? p : HelperPath.DefaultPath;
        _helpers = new CredentialHelper(runner ?? new ProcessRunner(), path, helperTimeout ?? CredentialHelper.DefaultTimeout);
    }

    /// <summary>With the process's own environment.</summary>
    public static DockerCredentials ForThisProcess() => new(Environment.GetEnvironmentVariable);

    /// <param name="configured">The [registry] docker_config setting (empty or null: unset).</param>
    public DockerConfigLocation Locate(string? configured) => DockerConfigLocation.Find(configured, _environment);

    public DockerConfigRead Read(string? configured) => DockerConfigReader.Read(Locate(configured));

    /// <summary>Each registry with credentials, how they are held, and what stands in the way.</summary>
    public async Task<CredentialListing> ListAsync(string? configured, CancellationToken cancellationToken)
    {
        var read = Read(configured);
        if (read.Config is not { } config)
        {
            return new CredentialListing(read, [], [], _helpers.SearchPath);
        }

        List<RegistryCredentialInfo> registries = [];
        List<CredentialProblem> problems = [];

        foreach (var group in config.CredHelpers.GroupBy(h => h.Value, h => h.Key).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var helper = group.Key;
            var keys = group.OrderBy(k => k, StringComparer.Ordinal).ToList();
            var listing = await _helpers.ListAsync(helper, cancellationToken);
            if (listing.Failure is { } failure)
            {
                problems.Add(new CredentialProblem(KindOf(failure), CredentialSource.CredHelper, helper,
                    keys.Select(RegistryHost.Normalize).ToList(), failure.Detail));
                continue;
            }

            foreach (var key in keys)
            {
                var host = RegistryHost.Normalize(key);
                var listed = listing.Servers!.Where(s => RegistryHost.Normalize(s.Key) == host)
                    .OrderBy(s => s.Key == key ? 0 : 1).Select(s => (string?)s.Value).FirstOrDefault();
                registries.Add(Listed(host, key, CredentialSource.CredHelper, helper, listed));
            }
        }

        if (config.CredsStore is { } store)
        {
            var listing = await _helpers.ListAsync(store, cancellationToken);
            if (listing.Failure is { } failure)
            {
                problems.Add(new CredentialProblem(KindOf(failure), CredentialSource.CredsStore, store, [], failure.Detail));
            }
            else
            {
                foreach (var (server, username) in listing.Servers!.OrderBy(s => s.Key, StringComparer.Ordinal))
                {
                    if (config.HelperFor(server) is null)
                    {
                        registries.Add(Listed(RegistryHost.Normalize(server), server, CredentialSource.CredsStore, store, username));
                    }
                }
            }
        }

        foreach (var auth in config.Auths)
        {
            if (auth.IsEmpty)
            {
                continue;
            }

            if (auth.Problem is { } problem)
            {
                problems.Add(new CredentialProblem(CredentialProblemKind.InlineAuthInvalid, CredentialSource.InlineAuth, null, [auth.Host], $"{auth.Key}: {problem}"));
                continue;
            }

            var (source, helper) = config.HelperFor(auth.Key) is { } h ? (CredentialSource.CredHelper, h)
                : config.CredsStore is { } s ? (CredentialSource.CredsStore, s)
                : (CredentialSource.InlineAuth, (string?)null);
            if (source != CredentialSource.InlineAuth)
            {
                var who = auth.Username is { } user ? $"user {user}" : "an identity token";
                problems.Add(new CredentialProblem(CredentialProblemKind.InlineAuthShadowed, source, helper, [auth.Host],
                    $"{auth.Key}: inline credentials ({who}) are not used: {RegistryCredentialInfo.Describe(source, helper)} takes precedence"));
                continue;
            }

            registries.Add(new RegistryCredentialInfo(auth.Host, auth.Key, CredentialSource.InlineAuth, null, auth.Username, auth.HasIdentityToken));
        }

        registries.Sort((a, b) => string.CompareOrdinal(a.Host, b.Host));
        return new CredentialListing(read, registries, problems, _helpers.SearchPath);
    }

    /// <summary>
    /// The credentials a pull from <paramref name="registry"/> would send. For the default
    /// registry pass the daemon's IndexServerAddress (GET /info): that is its key in the file.
    /// </summary>
    /// <param name="registry">A registry host (127.0.0.1:5000) or URL.</param>
    public async Task<CredentialLookup> ResolveAsync(string? configured, string registry, CancellationToken cancellationToken)
    {
        var read = Read(configured);
        var host = RegistryHost.Normalize(registry);
        switch (read.State)
        {
            case DockerConfigState.Missing:
                return new CredentialLookup(registry, null, $"no Docker client configuration at {read.Location.Path ?? "(none named)"}", null);
            case DockerConfigState.Invalid:
                return new CredentialLookup(registry, null, "unreadable Docker client configuration", read.Error);
        }

        var config = read.Config!;
        if (config.HelperFor(registry) is { } helper)
        {
            return await FromHelperAsync(registry, helper, CredentialSource.CredHelper, cancellationToken);
        }

        if (config.CredsStore is { } store)
        {
            return await FromHelperAsync(registry, store, CredentialSource.CredsStore, cancellationToken);
        }

        foreach (var auth in config.AuthsFor(registry))
        {
            if (auth.IsEmpty)
            {
                continue;
            }

            if (auth.Problem is { } problem)
            {
                return new CredentialLookup(registry, null, "inline auth", $"{config.Path}: {auth.Key}: {problem}");
            }

            return new CredentialLookup(registry,
                new RegistryCredential(auth.Key, auth.Username, auth.IdentityToken is null ? auth.Password : null, auth.IdentityToken, "inline auth"),
                "inline auth", null);
        }

        return new CredentialLookup(registry, null, $"no entry for {host} in {config.Path}", null);
    }

    private async Task<CredentialLookup> FromHelperAsync(string registry, string helper, CredentialSource source, CancellationToken cancellationToken)
    {
        var how = RegistryCredentialInfo.Describe(source, helper);

        // Ask for the server as the helper stored it (a login may have written a scheme or a
        // path); without a listing, ask for the registry as given, as the Docker CLI does.
        var server = registry;
        var listing = await _helpers.ListAsync(helper, cancellationToken);
        if (listing.Failure is { Kind: HelperFailureKind.NotOnPath or HelperFailureKind.InvalidName } missing)
        {
            return new CredentialLookup(registry, null, how, missing.Detail);
        }

        if (listing.Servers is { } servers)
        {
            var host = RegistryHost.Normalize(registry);
            server = servers.Keys.Where(k => RegistryHost.Normalize(k) == host).OrderBy(k => k == registry ? 0 : 1).FirstOrDefault() ?? registry;
        }

        var answer = await _helpers.GetAsync(helper, server, cancellationToken);
        if (answer.Failure is { } failure)
        {
            return new CredentialLookup(registry, null, how, failure.Detail);
        }

        if (answer.Found is not { } found)
        {
            return new CredentialLookup(registry, null, how, null);
        }

        var credential = found.IsToken
            ? new RegistryCredential(found.ServerUrl, null, null, found.Secret, how)
            : new RegistryCredential(found.ServerUrl, found.Username, found.Secret, null, how);
        return new CredentialLookup(registry, credential, how, null);
    }

    private static RegistryCredentialInfo Listed(string host, string key, CredentialSource source, string helper, string? username)
    {
        var isToken = username == CredentialHelper.TokenUsername;
        return new RegistryCredentialInfo(host, key, source, helper, isToken || string.IsNullOrEmpty(username) ? null : username, isToken);
    }

    private static CredentialProblemKind KindOf(HelperFailure failure) => failure.Kind switch
    {
        HelperFailureKind.NotOnPath => CredentialProblemKind.HelperNotOnPath,
        HelperFailureKind.InvalidName => CredentialProblemKind.HelperInvalidName,
        _ => CredentialProblemKind.HelperFailed,
    };
}
