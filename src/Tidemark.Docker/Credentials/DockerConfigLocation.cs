namespace Tidemark.Docker.Credentials;

/// <summary>
/// Where the Docker client configuration is, and why there: <paramref name="Path"/> is null
/// only when nothing names one (no setting, no $DOCKER_CONFIG and no $HOME).
/// </summary>
/// <param name="Source">What chose it: "[registry] docker_config", "$DOCKER_CONFIG" or "$HOME",
/// with the places that were not set, for an operator reading why this file.</param>
public sealed record DockerConfigLocation(string? Path, string Source)
{
    public const string FileName = "config.json";

    /// <summary>
    /// The Docker CLI's own order: an explicit path (a file, or a directory holding
    /// config.json), else $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json. Like the
    /// CLI, a later place is not consulted when an earlier one is set but holds no file.
    /// </summary>
    /// <param name="configured">The [registry] docker_config setting; empty or null when unset.</param>
    /// <param name="environment">Environment lookups (a parameter so tests control them).</param>
    public static DockerConfigLocation Find(string? configured, Func<string, string?> environment)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            var path = Directory.Exists(configured) || configured.EndsWith('/')
                ? System.IO.Path.Combine(configured, FileName)
                : configured;
            return new DockerConfigLocation(path, "[registry] docker_config");
        }

        var dockerConfig = environment("DOCKER_CONFIG");
        if (!string.IsNullOrEmpty(dockerConfig))
        {
            return new DockerConfigLocation(System.IO.Path.Combine(dockerConfig, FileName), "$DOCKER_CONFIG; [registry] docker_config not set");
        }

        var home = environment("HOME");
        if (!string.IsNullOrEmpty(home))
        {
            return new DockerConfigLocation(System.IO.Path.Combine(home, ".docker", FileName), "$HOME; [registry] docker_config and $DOCKER_CONFIG not set");
        }

        return new DockerConfigLocation(null, "none: [registry] docker_config, $DOCKER_CONFIG and $HOME are all unset");
    }
}
