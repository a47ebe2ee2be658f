using Tidemark.Cli.Output;
using Tidemark.Core.Configuration;
using Tidemark.Docker.Credentials;
using Tidemark.Docker.Registry;

namespace Tidemark.Cli.Probe;

/// <summary>The credentials a `docker pull` by the deploying user would send, as the doctor reads them.</summary>
public static class ProbeCredentials
{
    /// <returns>The X-Registry-Auth value (null: anonymous) and who it speaks for, for the probe's first line.</returns>
    public static async Task<(string? Auth, string Who)> ForAsync(Settings settings, ProbeTarget target, DefaultRegistry defaults, CliConsole console, CancellationToken ct)
    {
        var key = target.DefaultRegistry && defaults.ConfigKey.Length > 0 ? defaults.ConfigKey : target.Registry;
        var lookup = await new DockerCredentials(console.Environment).ResolveAsync(NonEmpty(settings.Registry.DockerConfig), key, ct).ConfigureAwait(false);
        if (lookup.Problem is { } problem)
        {
            console.Error.WriteLine(Safe.Line($"tidemark: warning: {problem}; pulling without credentials"));
        }

        return lookup.Credential is { } c
            ? (c.ToRegistryAuthHeader(), c.Username is { Length: > 0 } user && c.IdentityToken is null ? $"user {user} ({c.Via})" : $"an identity token ({c.Via})")
            : (null, $"none ({lookup.Via}): an anonymous pull");
    }

    private static string? NonEmpty(string s) => s.Length == 0 ? null : s;
}
