using Tidemark.Cli.Configuration;
using Tidemark.Cli.Output;
using Tidemark.Core.Configuration;
using Tidemark.Docker.Api;

namespace Tidemark.Cli.Pipeline;

/// <summary>A failure that ends the command with an exit code and one line of explanation.</summary>
public sealed record CommandFailure(int ExitCode, string Message);

/// <summary>
/// What every daemon-facing command needs first: settings, the endpoint, a connected client.
/// Each step either yields its value or a <see cref="CommandFailure"/>.
/// </summary>
public static class Session
{
    /// <summary>Settings and the endpoint they (or DOCKER_HOST) name: what every daemon-facing command starts with.</summary>
    public static (LoadedSettings? Loaded, DockerEndpoint? Endpoint, CommandFailure? Failure) Prepare(CliConsole console, string? configFlag, CancellationToken ct = default)
    {
        var (loaded, failure) = LoadSettings(console, configFlag, ct);
        if (failure is not null)
        {
            return (null, null, failure);
        }

        var (endpoint, endpointFailure) = ResolveEndpoint(console, loaded!.Settings);
        return endpointFailure is not null ? (null, null, endpointFailure) : (loaded, endpoint, null);
    }

    public static (LoadedSettings? Loaded, CommandFailure? Failure) LoadSettings(CliConsole console, string? configFlag, CancellationToken ct = default)
    {
        var path = configFlag ?? NonEmpty(console.Environment("TIDEMARK_CONFIG"));
        var (loaded, error) = ConfigLoader.Load(path, ct);
        return error is null
            ? (SystemdDirectories.Apply(loaded!, console.Environment), null)
            : (null, new CommandFailure(ExitCodes.Config, $"config error: {error}"));
    }

    /// <summary>DOCKER_HOST wins over [docker] host, as with the docker CLI.</summary>
    public static (DockerEndpoint? Endpoint, CommandFailure? Failure) ResolveEndpoint(CliConsole console, Settings settings)
    {
        var fromEnv = NonEmpty(console.Environment("DOCKER_HOST"));
        var host = fromEnv ?? settings.Docker.Host;
        if (DockerEndpoint.TryParse(host, out var endpoint, out var error))
        {
            return (endpoint, null);
        }

        var source = fromEnv is null ? "[docker] host" : "DOCKER_HOST";
        return (null, new CommandFailure(ExitCodes.Config, $"config error: {source}: {error}"));
    }

    public static async Task<(DockerClient? Client, CommandFailure? Failure)> ConnectAsync(DockerEndpoint endpoint, CancellationToken ct)
    {
        var connected = await DockerClient.ConnectAsync(endpoint, ct).ConfigureAwait(false);
        return connected.IsOk ? (connected.Value, null) : (null, FromApi(connected.Error!));
    }

    public static CommandFailure FromApi(ApiError error) => error.Kind switch
    {
        ApiErrorKind.DiskUnreadable => new CommandFailure(ExitCodes.IoError, error.Message),
        _ => new CommandFailure(ExitCodes.Unavailable, error.Message),
    };

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
