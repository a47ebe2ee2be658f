using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tidemark.Tests.Registry;

/// <summary>A request as the stub saw it.</summary>
public sealed record StubRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers)
{
    public string Path => Target.Split('?')[0];

    public string Query => Target.Contains('?') ? Target[(Target.IndexOf('?') + 1)..] : "";

    public string? Header(string name) => Headers.GetValueOrDefault(name.ToLowerInvariant());
}

public sealed record StubResponse(int Status, IReadOnlyList<(string Name, string Value)>? Headers = null, byte[]? Body = null)
{
    public static StubResponse Json(int status, string json, params (string, string)[] headers) =>
        new(status, [("Content-Type", "application/json"), .. headers], Encoding.UTF8.GetBytes(json));
}

/// <summary>
/// A loopback HTTP/1.1 peer for the registry client's unit tests: one request per connection,
/// answered by a handler, every request recorded. Not a registry: just enough HTTP.
/// </summary>
public sealed class StubRegistry : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<StubRequest, StubResponse?> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <param name="handler">The answer; null means close the connection without one.</param>
    public StubRegistry(Func<StubRequest, StubResponse?> handler)
    {
        _handler = handler;
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>host:port as a reference's registry part.</summary>
    public string Registry => $"127.0.0.1:{Port}";

    public ConcurrentQueue<StubRequest> Requests { get; } = new();

    /// <summary>Delay before each answer (to test timeouts).</summary>
    public TimeSpan Delay { get; set; }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream);
                if (head is null)
                {
                    return;
                }

                var lines = head.Split("\r\n");
                var first = lines[0].Split(' ');
                var headers = new Dictionary<string, string>();
                foreach (var line in lines.Skip(1))
                {
                    var colon = line.IndexOf(':');
                    if (colon > 0)
                    {
                        headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
                    }
                }

                var request = new StubRequest(first[0], first[1], headers);
                Requests.Enqueue(request);
                if (Delay > TimeSpan.Zero)
                {
                    await Task.Delay(Delay, _stop.Token);
                }

                var response = _handler(request);
                if (response is null)
                {
                    return;
                }

                var body = response.Body ?? [];
                var sb = new StringBuilder($"HTTP/1.1 {response.Status} Stub\r\n");
                var hasLength = false;
                foreach (var (name, value) in response.Headers ?? [])
                {
                    sb.Append(name).Append(": ").Append(value).Append("\r\n");
                    hasLength |= name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase);
                }

                if (!hasLength)
                {
                    sb.Append("Content-Length: ").Append(body.Length).Append("\r\n");
                }

                sb.Append("Connection: close\r\n\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
                if (request.Method != "HEAD")
                {
                    await stream.WriteAsync(body);
                }

                await stream.FlushAsync();
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private static async Task<string?> ReadHeadAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (buffer.Count < 65536)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return null;
            }

            buffer.Add(one[0]);
            var n = buffer.Count;
            if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n')
            {
                return Encoding.ASCII.GetString(buffer.ToArray(), 0, n - 4);
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
