using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tidemark.Cli.Metrics;

/// <summary>
/// `GET /metrics` for watch mode, on the address [metrics] listen names (127.0.0.1 unless
/// configured otherwise; off when unset). A few lines over a TcpListener: no web framework for
/// one read-only page.
/// </summary>
public sealed class MetricsServer(TidemarkMetrics metrics) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private TcpListener? _listener;
    private Task? _serving;

    /// <summary>Parses "127.0.0.1:9477" or "[::1]:9477"; null with an error otherwise.</summary>
    public static IPEndPoint? ParseListen(string listen, out string error)
    {
        error = "";
        if (IPEndPoint.TryParse(listen, out var endpoint) && endpoint.Port > 0)
        {
            return endpoint;
        }

        error = $"'{listen}' is not an address and port such as 127.0.0.1:9477";
        return null;
    }

    /// <summary>Where it listens (the port chosen when 0 was asked for).</summary>
    public IPEndPoint? Endpoint => _listener?.LocalEndpoint as IPEndPoint;

    /// <returns>An error message, or null when listening.</returns>
    public string? Start(IPEndPoint endpoint)
    {
        try
        {
            _listener = new TcpListener(endpoint);
            _listener.Start();
        }
        catch (SocketException e)
        {
            return $"cannot serve metrics on {endpoint}: {e.Message}";
        }

        _serving = ServeAsync(_stop.Token);
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener?.Stop();
        if (_serving is not null)
        {
            try
            {
                await _serving.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private async Task ServeAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener!.AcceptTcpClientAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = AnswerAsync(client, stop);
        }
    }

    private async Task AnswerAsync(TcpClient client, CancellationToken stop)
    {
        using (client)
        {
            try
            {
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
                deadline.CancelAfter(TimeSpan.FromSeconds(10));
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.ASCII);
                var request = await reader.ReadLineAsync(deadline.Token).ConfigureAwait(false) ?? "";
                // Headers are read and ignored; a request line that is not a GET of /metrics is 404.
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(deadline.Token).ConfigureAwait(false)))
                {
                }

                var parts = request.Split(' ');
                var found = parts is ["GET", "/metrics", _] or ["GET", "/metrics"];
                var body = found ? metrics.Render() : "not found: try /metrics\n";
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = $"HTTP/1.1 {(found ? "200 OK" : "404 Not Found")}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), deadline.Token).ConfigureAwait(false);
                await stream.WriteAsync(bytes, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // A client that went away or dawdled: nothing to answer.
            }
        }
    }
}
