using Tidemark.Docker.Credentials;
using Tidemark.Docker.Models;
using Tidemark.Docker.Registry;

namespace Tidemark.Cli.Doctor;

/// <summary>`doctor --registry-check IMAGE`: asks the image's registry for its pull limit with the deploying user's credentials.</summary>
public static class RegistryLimits
{
    public static async Task<CheckResult> CheckAsync(string image, SystemInfo? info, DockerCredentials credentials, string? dockerConfig, CancellationToken ct)
    {
        var defaults = DefaultRegistry.FromIndexServer(info?.IndexServerAddress);
        if (!ImageName.TryParse(image, defaults.Domain, out var name, out var error))
        {
            return CheckResult.Fail(RateLimitCheck.Area, $"--registry-check: {error}", "name an image as REGISTRY[:PORT]/REPOSITORY[:TAG]");
        }

        var key = name.Registry == defaults.Domain && defaults.ConfigKey.Length > 0 ? defaults.ConfigKey : name.Registry;
        var lookup = await credentials.ResolveAsync(dockerConfig, key, ct).ConfigureAwait(false);
        var login = lookup.Credential is { Username: { Length: > 0 } user, Password: { } password } ? new RegistryLogin(user, password) : null;
        using var client = new RegistryClient(new RegistryClientOptions { InsecureRegistries = Insecure(info) });
        return RateLimitCheck.Evaluate(name, await client.HeadManifestAsync(name, login, ct).ConfigureAwait(false));
    }

    /// <summary>What the daemon reaches without TLS: its CIDRs and the registries it marks insecure.</summary>
    private static List<string> Insecure(SystemInfo? info) =>
    [
        .. info?.RegistryConfig?.InsecureRegistryCidrs ?? [],
        .. (info?.RegistryConfig?.IndexConfigs ?? []).Values.Where(i => !i.Secure && i.Name is { Length: > 0 }).Select(i => i.Name!),
    ];
}
