using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Tidemark.Fixtures;

/// <summary>
/// An HTTP/1.1 proxy between a unix socket and the Docker daemon's, for tests: point DOCKER_HOST
/// at <see cref="Host"/> and add <see cref="FaultRule"/>s to make chosen requests fail the way
/// a daemon or a connection can. Unmatched requests are relayed as they stream (events, attach).
/// </summary>
/// <remarks>
/// .NET's SocketsHttpHandler re-sends a request on a new connection (up to three times, any
/// method, DELETE included) when its connection closes before any byte of an answer: a
/// <see cref="Fault.Close"/> or <see cref="Fault.ForwardThenClose"/> limited to one use is then
/// masked by the retry's answer. Leave Times unset when the client must see the failure.
/// </remarks>
public sealed class FaultProxy : IAsyncDisposable, IDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<FaultRule> _rules = [];
    private readonly List<ProxyCall> _calls = [];
    private readonly ConcurrentDictionary<ProxyConnection, byte> _connections = new();
    private readonly Task _accepting;
    private int _connectionCount;
    private int _disposed;

    private FaultProxy(string upstreamSocketPath, string listenSocketPath, Socket listener)
    {
        UpstreamSocketPath = upstreamSocketPath;
        SocketPath = listenSocketPath;
        _listener = listener;
        // On the thread pool, not the caller's synchronization context (a test framework's), so
        // relaying never waits for a test thread that is itself waiting for a docker CLI call.
        _accepting = Task.Run(AcceptAsync);
    }

    public string UpstreamSocketPath { get; }

    public string SocketPath { get; }

    public string Host => "unix://" + SocketPath;

    /// <summary>Every request so far, in the order their outcome was known.</summary>
    public IReadOnlyList<ProxyCall> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The calls that may change the daemon's state: any method but GET and HEAD.</summary>
    public IReadOnlyList<ProxyCall> Mutating => [.. Calls.Where(c => c.Method is not ("GET" or "HEAD"))];

    public static FaultProxy Start(string upstreamSocketPath, string listenSocketPath)
    {
        // A socket file left by a crashed run would make bind fail.
        File.Delete(listenSocketPath);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(listenSocketPath));
            listener.Listen(64);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return new FaultProxy(upstreamSocketPath, listenSocketPath, listener);
    }

    public void Add(FaultRule rule)
    {
        lock (_lock)
        {
            _rules.Add(rule);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _rules.Clear();
        }
    }

    /// <summary>The fault for this request, or null to forward it untouched.</summary>
    internal Fault? Decide(string method, string target)
    {
        var path = RulePath(target);
        lock (_lock)
        {
            foreach (var rule in _rules)
            {
                if (rule.TryTake(method, path, out var fault))
                {
                    return fault;
                }
            }
        }

        return null;
    }

    internal void Record(ProxyCall call)
    {
        lock (_lock)
        {
            _calls.Add(call);
        }
    }

    internal void Forget(ProxyConnection connection) => _connections.TryRemove(connection, out _);

    /// <summary>The path rules see: no query, no "/v1.NN" prefix, no scheme and host (absolute form).</summary>
    internal static string RulePath(string target)
    {
        var path = target.Split('?', 2)[0];
        if (path.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            var slash = path.IndexOf('/', "http://".Length);
            path = slash < 0 ? "/" : path[slash..];
        }

        if (path.StartsWith("/v", StringComparison.Ordinal))
        {
            var end = path.IndexOf('/', 2);
            var version = end < 0 ? path[2..] : path[2..end];
            if (version.Length > 0 && version.All(c => char.IsAsciiDigit(c) || c == '.'))
            {
                return end < 0 ? "/" : path[end..];
            }
        }

        return path;
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var connection = new ProxyConnection(this, Interlocked.Increment(ref _connectionCount), client);
            _connections.TryAdd(connection, 0);
            connection.Start(_stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _accepting.ConfigureAwait(false);
        var open = _connections.Keys.ToList();
        foreach (var connection in open)
        {
            connection.Abort();
        }

        try
        {
            // A proxy bug surfaces here, in the test that used it, rather than nowhere.
            await Task.WhenAll(open.Select(c => c.Completion)).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(SocketPath);
            _stop.Dispose();
        }
    }

    public void Dispose() => Task.Run(async () => await DisposeAsync()).GetAwaiter().GetResult();
}
