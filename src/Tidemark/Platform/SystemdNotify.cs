using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Tidemark.Cli.Platform;

/// <summary>
/// sd_notify(3) for a Type=notify unit: READY=1 once watching, WATCHDOG=1 keep-alives at half the
/// unit's WatchdogSec, STATUS= lines for `systemctl status`, STOPPING=1 on the way out. Outside
/// systemd (no NOTIFY_SOCKET) every call does nothing.
/// </summary>
public sealed class SystemdNotify : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _target;
    private readonly TimeProvider _clock;
    private readonly TimeSpan? _keepAliveEvery;
    private DateTimeOffset _lastKeepAlive;

    public SystemdNotify(Func<string, string?> environment, TimeProvider clock)
    {
        _clock = clock;
        var path = environment("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path) || (path[0] != '/' && path[0] != '@'))
        {
            return;
        }

        // "@name" is an abstract socket: its address starts with a NUL.
        _target = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        var forUs = environment("WATCHDOG_PID") is not { Length: > 0 } pid || pid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (forUs && long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0)
        {
            _keepAliveEvery = TimeSpan.FromMicroseconds(usec / 2.0);
        }
    }

    /// <summary>Half the watchdog interval, or null when there is no watchdog: how long the watch loop may wait between keep-alives.</summary>
    public TimeSpan? KeepAliveEvery => _keepAliveEvery;

    public void Ready(string status) => Send($"READY=1\nSTATUS={OneLine(status)}");

    public void Status(string status) => Send($"STATUS={OneLine(status)}");

    public void Stopping(string status) => Send($"STOPPING=1\nSTATUS={OneLine(status)}");

    /// <summary>A newline in a status would start another assignment (READY=1, say).</summary>
    private static string OneLine(string status) => Core.Text.Printable.Escape(status);

    /// <summary>Tells the watchdog the loop is alive, at most once per half interval.</summary>
    public void KeepAlive()
    {
        if (_keepAliveEvery is not { } every || _clock.GetUtcNow() - _lastKeepAlive < every / 2)
        {
            return;
        }

        _lastKeepAlive = _clock.GetUtcNow();
        Send("WATCHDOG=1");
    }

    public void Dispose() => _socket?.Dispose();

    private void Send(string message)
    {
        if (_socket is null)
        {
            return;
        }

        try
        {
            // One line of status: a newline would start another assignment.
            _socket.SendTo(Encoding.UTF8.GetBytes(message), _target!);
        }
        catch (SocketException)
        {
            // systemd went away or the socket is not ours to use: nothing to tell.
        }
    }
}
