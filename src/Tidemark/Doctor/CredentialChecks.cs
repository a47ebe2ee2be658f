using Tidemark.Cli.Output;
using Tidemark.Docker.Credentials;

namespace Tidemark.Cli.Doctor;

/// <summary>
/// The doctor's "credentials" lines, from a <see cref="CredentialListing"/>: one ok line per
/// registry with credentials (username only), a warning for a helper that is missing or fails,
/// for shadowed inline entries and for a default registry without credentials, a failure for a
/// configuration Docker itself could not use. The listing holds no secret, so neither can these.
/// </summary>
public static class CredentialChecks
{
    public const string Area = "credentials";

    /// <param name="defaultRegistry">The daemon's IndexServerAddress (GET /info), or null when unknown (no default-registry line then).</param>
    public static IReadOnlyList<CheckResult> From(CredentialListing listing, string? defaultRegistry)
    {
        var read = listing.Config;
        var path = read.Location.Path;
        var config = path ?? "(none)";
        switch (read.State)
        {
            case DockerConfigState.Missing:
                return
                [
                    CheckResult.Warn(Area,
                        path is null
                            ? Safe.Line($"no Docker client configuration: {read.Location.Source}")
                            : Safe.Line($"no Docker client configuration at {path} (from {read.Location.Source}): pulls are anonymous"),
                        "`docker login` as the user who runs deploys, or set [registry] docker_config to that user's config.json",
                        Facts(config, ("source", read.Location.Source))),
                ];
            case DockerConfigState.Invalid:
                return
                [
                    CheckResult.Fail(Area,
                        Safe.Line($"unusable Docker client configuration: {read.Error}"),
                        "fix the file (`docker login` rewrites it), or set [registry] docker_config to the right one",
                        Facts(config, ("source", read.Location.Source))),
                ];
        }

        List<CheckResult> results = [];
        var defaultHost = string.IsNullOrEmpty(defaultRegistry) ? null : RegistryHost.Normalize(defaultRegistry);
        foreach (var registry in listing.Registries)
        {
            var who = registry.IdentityToken
                ? registry.Username is { } u ? $"user {u} with an identity token" : "an identity token"
                : registry.Username is { } user ? $"user {user}" : "no username listed by the helper";
            results.Add(CheckResult.Ok(Area, Safe.Line($"{registry.Host}: {who} ({registry.How})"),
                Facts(config,
                    ("registry", registry.Host),
                    ("key", registry.Key),
                    ("source", SourceName(registry.Source)),
                    ("helper", registry.Helper),
                    ("username", registry.Username),
                    ("identityToken", registry.IdentityToken),
                    ("defaultRegistry", registry.Host == defaultHost))));
        }

        foreach (var problem in listing.Problems)
        {
            results.Add(ProblemLine(problem, config, listing.SearchPath));
        }

        if (defaultHost is not null && !listing.Registries.Any(r => r.Host == defaultHost))
        {
            var helperTrouble = listing.Problems.Any(p => p.Kind is CredentialProblemKind.HelperNotOnPath or CredentialProblemKind.HelperFailed or CredentialProblemKind.HelperInvalidName
                && (p.Hosts.Count == 0 || p.Hosts.Contains(defaultHost)));
            results.Add(CheckResult.Warn(Area,
                Safe.Line($"default registry {defaultHost}: no credentials in {config}{(helperTrouble ? " (its credential helper could not be asked)" : "")}: pulls from it are anonymous and hit rate limits sooner"),
                "`docker login` as the user whose config this is, or set [registry] docker_config to the config.json that holds them",
                Facts(config, ("registry", defaultHost), ("defaultRegistry", true))));
        }
        else if (defaultHost is null && listing.Registries.Count == 0 && listing.Problems.Count == 0)
        {
            results.Add(CheckResult.Warn(Area, Safe.Line($"no registry credentials in {config}: pulls are anonymous"),
                "`docker login` as the user who runs deploys, or set [registry] docker_config to that user's config.json",
                Facts(config)));
        }

        return results;
    }

    private static CheckResult ProblemLine(CredentialProblem problem, string config, string searchPath)
    {
        var hosts = string.Join(", ", problem.Hosts);
        var which = problem.Hosts.Count == 0 ? problem.How : $"{hosts} ({problem.How})";
        var field = problem.Source == CredentialSource.CredsStore ? "credsStore" : "credHelpers";
        var program = problem.Helper is { } h ? HelperPath.ProgramName(h) : "";
        var facts = Facts(config,
            ("problem", problem.Kind.ToString()),
            ("source", SourceName(problem.Source)),
            ("helper", problem.Helper),
            ("registries", problem.Hosts.ToArray()));
        return problem.Kind switch
        {
            CredentialProblemKind.HelperNotOnPath => CheckResult.Warn(Area,
                Safe.Line($"{which}: {program} is not on PATH ({searchPath})"),
                Safe.Line($"install {program}, or fix {field} in {config}"),
                facts),
            CredentialProblemKind.HelperInvalidName => CheckResult.Warn(Area,
                Safe.Line($"{which}: {problem.Detail}"),
                Safe.Line($"fix {field} in {config}"),
                facts),
            CredentialProblemKind.HelperFailed => CheckResult.Warn(Area,
                Safe.Line($"{which}: {problem.Detail}"),
                Safe.Line($"run `{program} list` as the user whose config this is to see why"),
                facts),
            CredentialProblemKind.InlineAuthInvalid => CheckResult.Fail(Area,
                Safe.Line($"{problem.Detail} in {config}"),
                Safe.Line($"`docker login {hosts}` again (it rewrites the entry), or remove the entry"),
                facts),
            _ => CheckResult.Warn(Area,
                Safe.Line($"{problem.Detail} in {config}"),
                Safe.Line($"remove the inline entry from {config}, or `docker login {hosts}` again so the {field} holds the credentials"),
                facts),
        };
    }

    private static string SourceName(CredentialSource source) => source switch
    {
        CredentialSource.InlineAuth => "auths",
        CredentialSource.CredsStore => "credsStore",
        _ => "credHelpers",
    };

    private static Dictionary<string, object?> Facts(string config, params (string Key, object? Value)[] facts)
    {
        Dictionary<string, object?> all = new(StringComparer.Ordinal) { ["config"] = config };
        foreach (var (key, value) in facts)
        {
            if (value is not null)
            {
                all[key] = value;
            }
        }

        return all;
    }
}
