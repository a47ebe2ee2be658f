using System.Runtime.InteropServices;
using Tidemark.Docker;

namespace Tidemark.Cli.Signals;

/// <summary>
/// SIGTERM and SIGINT. The first asks the command to stop: no new removal starts, the call under
/// way finishes or is abandoned, the partial report is printed and the ledger saved, and the exit
/// code is 128 + the signal (143, 130). A second one ends the process at once, in one line and
/// without a stack trace: whoever sends it has stopped waiting.
/// </summary>
public sealed partial class Shutdown : IStopRequest, IDisposable
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    /// <summary>
    /// A second signal this soon after the first is the same request delivered twice: `timeout`
    /// signals the process and then its process group, and a shell may forward a terminal's
    /// signal too. Only a signal after it means "stop waiting".
    /// </summary>
    public static readonly TimeSpan SameRequest = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _source = new();
    private readonly System.Diagnostics.Stopwatch _sinceFirst = new();
    private readonly Action<int, string> _onSecond;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signal;

    /// <param name="onSecond">What a second signal does, given its exit code and name.</param>
    public Shutdown(Action<int, string> onSecond)
    {
        _onSecond = onSecond;
    }

    /// <summary>For in-process callers (tests): a second request is only remembered.</summary>
    public static Shutdown Manual() => new((_, _) => { });

    /// <summary>Owns the process's SIGTERM and SIGINT; a second signal writes one line to stderr and exits.</summary>
    public static Shutdown ForProcess()
    {
        var shutdown = new Shutdown((code, name) =>
        {
            // write(2) straight to fd 2 and _exit: no lock of Console's writers (a thread blocked
            // writing to a full pipe holds one) and no managed shutdown can hold this up. The
            // kernel releases the run lock with the process.
            var line = System.Text.Encoding.UTF8.GetBytes($"tidemark: second {name}: exiting at once; the report and the ledger of this run are not written\n");
            _ = WriteStderr(2, line, line.Length);
            Exit(code);
        });
        shutdown._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => shutdown.OnSignal(c, SigTerm)));
        shutdown._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, c => shutdown.OnSignal(c, SigInt)));
        return shutdown;
    }

    public CancellationToken Token => _source.Token;

    public bool Requested => Volatile.Read(ref _signal) != 0;

    public string? Reason => Volatile.Read(ref _signal) switch
    {
        0 => null,
        SigInt => "SIGINT",
        SigTerm => "SIGTERM",
        var n => $"signal {n}",
    };

    /// <summary>128 + the first signal's number, as a shell reports a process ended by it.</summary>
    public int ExitCode => 128 + Volatile.Read(ref _signal);

    /// <summary>Asks to stop, as the signal would.</summary>
    public void Request(int signal)
    {
        if (Interlocked.CompareExchange(ref _signal, signal, 0) == 0)
        {
            _sinceFirst.Start();
            _source.Cancel();
            return;
        }

        if (_sinceFirst.Elapsed < SameRequest)
        {
            return;
        }

        _onSecond(128 + signal, signal == SigInt ? "SIGINT" : signal == SigTerm ? "SIGTERM" : $"signal {signal}");
    }

    /// <summary>
    /// For commands that take no cancellation (simulate, version, help): the signals go back to
    /// their default action, so SIGTERM ends such a command at once instead of being swallowed.
    /// </summary>
    public void Release()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }

        _registrations.Clear();
    }

    public void Dispose()
    {
        foreach (var r in _registrations)
        {
            r.Dispose();
        }

        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext context, int signal)
    {
        // Handled here, not by the runtime's default (which would end the process at once).
        context.Cancel = true;
        Request(signal);
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int status);

    [LibraryImport("libc", EntryPoint = "write")]
    private static partial nint WriteStderr(int fd, byte[] buffer, nint count);
}
