using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Tidemark.Fixtures;

/// <summary>
/// One client connection of a <see cref="FaultProxy"/> and the one daemon connection behind it:
/// requests are taken one at a time, so both sides stay in step without any bookkeeping.
/// </summary>
internal sealed class ProxyConnection
{
    private static readonly byte[] GarbageBody = [0x00, 0xff, .. "not json<html>"u8];
    private static readonly byte[] Continue = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    private readonly FaultProxy _proxy;
    private readonly int _id;
    private readonly Socket _client;
    private readonly NetworkStream _clientStream;
    private readonly HttpReader _clientReader;
    private Socket? _upstream;
    private NetworkStream? _upstreamStream;
    private HttpReader? _upstreamReader;
    private (DateTimeOffset Time, string Method, string Target, Fault? Fault)? _call;

    public ProxyConnection(FaultProxy proxy, int id, Socket client)
    {
        _proxy = proxy;
        _id = id;
        _client = client;
        _clientStream = new NetworkStream(client, ownsSocket: true);
        _clientReader = new HttpReader(_clientStream);
    }

    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start(CancellationToken ct) => Completion = RunAsync(ct);

    /// <summary>Closing the sockets ends any read or write in flight, wherever it waits.</summary>
    public void Abort()
    {
        _client.Dispose();
        _upstream?.Dispose();
    }

    private async Task RunAsync(CancellationToken ct)
    {
        // Off the accept loop's thread before any blocking work.
        await Task.Yield();
        try
        {
            while (await _clientReader.ReadHeadAsync(ct) is { } request)
            {
                var fault = _proxy.Decide(request.First, request.Second);
                _call = (DateTimeOffset.UtcNow, request.First, request.Second, fault);
                bool keepOpen;
                try
                {
                    keepOpen = await ExchangeAsync(request, fault, ct);
                }
                finally
                {
                    Record(null);
                }

                if (!keepOpen)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
        {
            // A connection that breaks, in either direction, ends the client's connection too:
            // the same thing a client of the daemon itself would see.
        }
        finally
        {
            _clientStream.Dispose();
            DropUpstream();
            _proxy.Forget(this);
        }
    }

    /// <summary>Answers one request; false when the client's connection must close afterwards.</summary>
    private async Task<bool> ExchangeAsync(HttpHead request, Fault? fault, CancellationToken ct)
    {
        switch (fault?.Kind)
        {
            case null:
                return await ForwardAsync(request, ct);
            case FaultKind.Delay:
                await Task.Delay(fault.Wait, ct);
                return await ForwardAsync(request, ct);
            case FaultKind.Close:
                await DrainRequestAsync(request, ct);
                return false;
            case FaultKind.Status or FaultKind.Garbage or FaultKind.Body when !fault.Forward:
                // A client waiting for 100 Continue may or may not send its body now: only closing keeps step.
                var inStep = !request.ExpectsContinue;
                if (inStep)
                {
                    await DrainRequestAsync(request, ct);
                }

                var body = fault.Kind == FaultKind.Garbage ? GarbageBody : Encoding.UTF8.GetBytes(fault.Content ?? "");
                return await AnswerAsync(request, fault.Code, body, "application/json", null, close: !inStep, ct);
            default:
                return await ForwardAndReplaceAsync(request, fault, ct);
        }
    }

    /// <summary>ForwardThenClose, Truncated and Body(forward): the daemon acts, its answer is replaced.</summary>
    private async Task<bool> ForwardAndReplaceAsync(HttpHead request, Fault fault, CancellationToken ct)
    {
        var (reader, _) = await SendAsync(request, ct);
        var response = await ReadFinalHeadAsync(reader, relayInterim: false, ct);
        if (response is null || response.StatusCode == 101)
        {
            return false;
        }

        var framing = response.ResponseFraming(request.First);
        using var body = new MemoryStream();
        await reader.CopyBodyAsync(framing, response.ContentLength, body, keepFraming: false, ct);
        if (framing == Framing.UntilClose || response.WantsClose || request.WantsClose)
        {
            DropUpstream();
        }
        else
        {
            _ = reader.Peek();
        }

        if (fault.Kind == FaultKind.ForwardThenClose)
        {
            return false;
        }

        return fault.Kind == FaultKind.Truncated
            ? await AnswerAsync(request, 200, body.ToArray()[..(int)(body.Length / 2)], response["Content-Type"] ?? "application/json", response, close: false, ct)
            : await AnswerAsync(request, 200, Encoding.UTF8.GetBytes(fault.Content ?? ""), "application/json", response, close: false, ct);
    }

    /// <summary>Relays the request and the daemon's answer as they stream.</summary>
    private async Task<bool> ForwardAsync(HttpHead request, CancellationToken ct)
    {
        var (reader, stream) = await SendAsync(request, ct);
        var response = await ReadFinalHeadAsync(reader, relayInterim: true, ct);
        if (response is null)
        {
            return false;
        }

        Record(response.StatusCode);
        await _clientStream.WriteAsync(response.ToBytes(), ct);
        if (response.StatusCode == 101)
        {
            await TunnelAsync(reader, stream, ct);
            return false;
        }

        var framing = response.ResponseFraming(request.First);
        using var clientGone = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (framing is Framing.Chunked or Framing.UntilClose)
        {
            // A stream (events, wait) may stay silent for long: notice the client leaving meanwhile.
            _ = _clientReader.Peek().ContinueWith(
                t =>
                {
                    if (!t.IsCompletedSuccessfully || t.Result == 0)
                    {
                        CancelQuietly(clientGone);
                    }
                },
                CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }

        await reader.CopyBodyAsync(framing, response.ContentLength, _clientStream, keepFraming: true, clientGone.Token);
        if (framing == Framing.UntilClose || response.WantsClose || request.WantsClose)
        {
            return false;
        }

        // Notices the daemon closing this idle connection, so the next request opens a new one.
        _ = reader.Peek();
        return true;
    }

    /// <summary>Sends the head and relays the body to the daemon, connecting first when needed.</summary>
    private async Task<(HttpReader Reader, NetworkStream Stream)> SendAsync(HttpHead request, CancellationToken ct)
    {
        if (_upstreamReader is null || _upstreamReader.PeekedEof)
        {
            DropUpstream();
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            _upstream = socket;
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(_proxy.UpstreamSocketPath), ct);
            _upstreamStream = new NetworkStream(socket, ownsSocket: true);
            _upstreamReader = new HttpReader(_upstreamStream);
        }

        var stream = _upstreamStream!;
        if (request.ExpectsContinue)
        {
            // Said here, not by the daemon: its 100 would wait behind the body this proxy is reading.
            await _clientStream.WriteAsync(Continue, ct);
            request = request.Without("Expect");
        }

        await stream.WriteAsync(request.ToBytes(), ct);
        await _clientReader.CopyBodyAsync(request.RequestFraming, request.ContentLength, stream, keepFraming: true, ct);
        return (_upstreamReader, stream);
    }

    private async Task<HttpHead?> ReadFinalHeadAsync(HttpReader reader, bool relayInterim, CancellationToken ct)
    {
        while (await reader.ReadHeadAsync(ct) is { } response)
        {
            if (response.StatusCode is >= 200 or 101)
            {
                return response;
            }

            if (relayInterim)
            {
                await _clientStream.WriteAsync(response.ToBytes(), ct);
            }
        }

        return null;
    }

    /// <summary>Answers without (or instead of) the daemon's answer; false when the connection closes after it.</summary>
    private async Task<bool> AnswerAsync(HttpHead request, int status, byte[] body, string contentType, HttpHead? replaced, bool close, CancellationToken ct)
    {
        // A replaced answer keeps the daemon's other fields (Api-Version, Server); the framing is this one's.
        string[] own = ["Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Content-Type"];
        var fields = (replaced?.Fields ?? []).Where(f => !own.Contains(f.Key, StringComparer.OrdinalIgnoreCase)).ToList();
        var hasBody = status is >= 200 and not 204 and not 304;
        fields.Add(new("Content-Type", contentType));
        fields.Add(new("Content-Length", (hasBody ? body.Length : 0).ToString(CultureInfo.InvariantCulture)));
        close |= request.WantsClose;
        if (close)
        {
            fields.Add(new("Connection", "close"));
        }

        Record(status);
        await _clientStream.WriteAsync(HttpHead.Response(status, fields).ToBytes(), ct);
        if (hasBody && request.First != "HEAD")
        {
            await _clientStream.WriteAsync(body, ct);
        }

        return !close;
    }

    /// <summary>Reads and drops the request's body, keeping the connection in step for the next one.</summary>
    private async Task DrainRequestAsync(HttpHead request, CancellationToken ct) =>
        await _clientReader.CopyBodyAsync(request.RequestFraming, request.ContentLength, Stream.Null, keepFraming: false, ct);

    /// <summary>After a 101 (attach, exec): bytes both ways, each half closed as its sender closes.</summary>
    private async Task TunnelAsync(HttpReader upstreamReader, NetworkStream upstreamStream, CancellationToken ct)
    {
        var up = PipeAsync(_clientReader, upstreamStream, ct);
        var down = PipeAsync(upstreamReader, _clientStream, ct);
        await Task.WhenAll(up, down);
    }

    private async Task PipeAsync(HttpReader from, NetworkStream to, CancellationToken ct)
    {
        try
        {
            await from.CopyBodyAsync(Framing.UntilClose, 0, to, keepFraming: true, ct);
            to.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // One broken direction ends the other, which would otherwise wait for ever.
            Abort();
        }
    }

    private void Record(int? status)
    {
        if (_call is { } call)
        {
            _call = null;
            _proxy.Record(new ProxyCall(call.Time, _id, call.Method, call.Target, status, call.Fault));
        }
    }

    private void DropUpstream()
    {
        _upstreamStream?.Dispose();
        _upstream?.Dispose();
        _upstreamStream = null;
        _upstream = null;
        _upstreamReader = null;
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The exchange already ended.
        }
    }
}
