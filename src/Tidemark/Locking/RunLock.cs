using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Tidemark.Cli.Pipeline;
using Tidemark.Cli.Platform;

namespace Tidemark.Cli.Locking;

/// <summary>
/// The single-instance lock: an exclusive flock(2) on a lock file, held for the life of the run;
/// the kernel drops it when the process dies, so a crash never leaves a stale lock. The file is
/// opened without following a symlink (a planted link cannot make Tidemark create or truncate
/// another file), and its inode is checked after locking and before every removal: a lock file
/// deleted or replaced under a running Tidemark lets a second one in, and the first then stops.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly (ulong Dev, ulong Ino) _identity;

    private RunLock(string path, SafeFileHandle handle, (ulong, ulong) identity)
    {
        Path = path;
        _handle = handle;
        _identity = identity;
    }

    public string Path { get; }

    /// <returns>The lock, or why not: exit 75 when another run holds it, 78 when the path is not
    /// usable as a lock file, 74 when the file system refused.</returns>
    /// <param name="command">What takes it (run, watch): written beside the PID, so whoever finds it
    /// held is told what holds it.</param>
    public static (RunLock? Lock, CommandFailure? Failure) TryAcquire(string path, string command = "run")
    {
        if (Directory.Exists(path))
        {
            return (null, new CommandFailure(ExitCodes.Config, $"config error: [lock] path {path} is a directory; name a file in it, e.g. {System.IO.Path.Combine(path, "tidemark.lock")}"));
        }

        try
        {
            var dir = System.IO.Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir))
            {
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, IoFailure(path, e.Message));
        }

        // A file swapped in between open and flock is not the one the next run will find: retry.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var fd = Posix.OpenNoFollow(path, out var errno);
            if (fd < 0)
            {
                return (null, errno switch
                {
                    Posix.ELoop => new CommandFailure(ExitCodes.Config, $"config error: [lock] path {path} is a symbolic link; Tidemark does not follow links for its lock"),
                    Posix.EIsDir => new CommandFailure(ExitCodes.Config, $"config error: [lock] path {path} is a directory"),
                    _ => IoFailure(path, Posix.Describe(errno)),
                });
            }

            var handle = new SafeFileHandle(fd, ownsHandle: true);
            var locked = Posix.TryLockExclusive(fd);
            if (locked == Posix.EWouldBlock)
            {
                var holder = Holder(handle);
                handle.Dispose();
                return (null, new CommandFailure(ExitCodes.TempFail, $"another tidemark process{holder} holds the lock {path}; try again when it finishes"));
            }

            if (locked != 0)
            {
                handle.Dispose();
                return (null, IoFailure(path, Posix.Describe(locked)));
            }

            if (Posix.Identity(fd) is { } mine && Posix.Identity(path) == mine)
            {
                var runLock = new RunLock(path, handle, mine);
                runLock.WritePid(command);
                return (runLock, null);
            }

            handle.Dispose();
        }

        return (null, new CommandFailure(ExitCodes.TempFail, $"the lock file {path} kept changing while Tidemark tried to lock it; try again"));
    }

    /// <summary>
    /// Whether another process holds the lock, without taking it for longer than a moment and
    /// without creating anything: null when it is free or has no file yet, " (PID n, tidemark watch)"
    /// style text (possibly empty) when it is held. <paramref name="error"/> says why it could not be told.
    /// </summary>
    public static string? HeldBy(string path, out string? error)
    {
        error = null;
        if (!File.Exists(path))
        {
            return null;
        }

        // Read-only and never created: whoever runs the doctor need not be able to write the lock.
        // (Not File.OpenHandle: its shared flock is refused while the lock is held, the one case asked about.)
        var fd = Posix.OpenReadOnlyNoFollow(path, out var errno);
        if (fd < 0)
        {
            error = Posix.Describe(errno);
            return null;
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        var locked = Posix.TryLockExclusive(fd);
        if (locked == Posix.EWouldBlock)
        {
            return Holder(handle);
        }

        if (locked != 0)
        {
            error = Posix.Describe(locked);
        }

        return null;
    }

    /// <summary>
    /// The command a held lock's file names ("watch", "run", "prepare"), read without locking and
    /// without following a link; null when the file is missing, unreadable or names none.
    /// </summary>
    public static string? HolderCommand(string path)
    {
        if (Posix.KindOf(path) != FileKind.Regular)
        {
            return null;
        }

        // Not a FileStream: .NET takes a shared flock on open, which the holder's exclusive one refuses.
        var fd = Posix.OpenReadOnlyNoFollow(path, out _);
        if (fd < 0)
        {
            return null;
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var buffer = new byte[64];
            var n = RandomAccess.Read(handle, buffer, 0);
            var parts = Encoding.ASCII.GetString(buffer, 0, n).Trim().Split(' ', 2);
            return parts.Length == 2 && parts[1] is "run" or "watch" or "prepare" ? parts[1] : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Why this lock no longer keeps other runs out, or null while it does.</summary>
    public string? LostReason() => Posix.Identity(Path) == _identity
        ? null
        : $"the lock file {Path} was removed or replaced while this run held it, so another run may be acting beside it";

    public void Dispose() => _handle.Dispose();

    /// <summary>" (PID 1234)" from the holder's lock file, or "" when it does not say.</summary>
    private static string Holder(SafeFileHandle handle)
    {
        try
        {
            var buffer = new byte[64];
            var n = RandomAccess.Read(handle, buffer, 0);
            // "PID COMMAND" (older versions wrote the PID alone).
            var parts = Encoding.ASCII.GetString(buffer, 0, n).Trim().Split(' ', 2);
            if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                return "";
            }

            return parts.Length == 2 && parts[1] is "run" or "watch" or "prepare" ? $" (PID {pid}, tidemark {parts[1]})" : $" (PID {pid})";
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static CommandFailure IoFailure(string path, string why) =>
        new(ExitCodes.IoError, $"cannot create the lock file {path}: {why} (set [lock] path to a writable place)");

    private void WritePid(string command)
    {
        // The PID is for the operator (cat the file); the lock itself is the flock. 0600 whatever
        // the umask, as the file may have been created by an older version.
        try
        {
            File.SetUnixFileMode(_handle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            RandomAccess.SetLength(_handle, 0);
            RandomAccess.Write(_handle, Encoding.ASCII.GetBytes($"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)} {command}\n"), 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The PID is a courtesy; the lock holds without it.
        }
    }
}
