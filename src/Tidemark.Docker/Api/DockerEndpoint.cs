namespace Tidemark.Docker.Api;

/// <summary>Where the daemon listens. Only local unix sockets: the data root must be statable from here.</summary>
public sealed record DockerEndpoint(string SocketPath)
{
    public string Display => "unix://" + SocketPath;

    /// <summary>Parses "unix:///path" or a bare absolute path.</summary>
    public static bool TryParse(string host, out DockerEndpoint endpoint, out string error)
    {
        endpoint = new DockerEndpoint("");
        error = "";
        if (host.Any(c => c < 0x20 || c == 0x7f))
        {
            error = "the socket path holds a control character (NUL, newline, …)";
            return false;
        }

        var h = host.Trim();
        if (h.StartsWith("unix://", StringComparison.Ordinal))
        {
            h = h["unix://".Length..];
        }
        else if (h.Contains("://", StringComparison.Ordinal))
        {
            error = $"'{host}' is not a unix socket: Tidemark talks to the local daemon over unix:///path only";
            return false;
        }

        if (!h.StartsWith('/'))
        {
            error = $"'{host}' is not an absolute unix socket path (expected unix:///var/run/docker.sock)";
            return false;
        }

        endpoint = new DockerEndpoint(h);
        return true;
    }
}
