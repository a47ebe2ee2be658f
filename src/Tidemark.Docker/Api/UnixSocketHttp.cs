using System.Net.Sockets;

namespace Tidemark.Docker.Api;

/// <summary>An HttpClient whose every connection is the daemon's unix socket.</summary>
public static class UnixSocketHttp
{
    public static HttpClient Create(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            // A restarted daemon means a new socket: do not keep dead connections around.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri("http://docker/"),
            // Per-call deadlines come from DockerClient; streams (events) must be able to live forever.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }
}
