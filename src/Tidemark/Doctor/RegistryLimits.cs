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
        var insecure = MirrorChecks.Insecure(info);
        var reference = image;
        // A URL names the registry's API host outright (http:// for one without TLS): the way to
        // reach a registry whose API is served from another host than its name.
        if (Uri.TryCreate(image, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            reference = url.Authority + "/" + Uri.UnescapeDataString(url.AbsolutePath.TrimStart('/'));
            if (url.Scheme == "http")
            {
                insecure.Add(url.Authority);
            }
        }

        if (!ImageName.TryParse(reference, defaults.Domain, out var name, out var error))
        {
            return CheckResult.Fail(RateLimitCheck.Area, $"--registry-check: {error}",
                "name an image as REGISTRY[:PORT]/REPOSITORY[:TAG], or as a URL https://HOST[:PORT]/REPOSITORY[:TAG]");
        }

        var key = name.Registry == defaults.Domain && defaults.ConfigKey.Length > 0 ? defaults.ConfigKey : name.Registry;
        var lookup = await credentials.ResolveAsync(dockerConfig, key, ct).ConfigureAwait(false);
        var login = lookup.Credential is { Username: { Length: > 0 } user, Password: { } password } ? new RegistryLogin(user, password) : null;
        using var client = new RegistryClient(new RegistryClientOptions { InsecureRegistries = insecure });
        return RateLimitCheck.Evaluate(name, await client.HeadManifestAsync(name, login, ct).ConfigureAwait(false));
    }
}
