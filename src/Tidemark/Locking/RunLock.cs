using System.Globalization;

namespace Tidemark.Cli.Locking;

/// <summary>
/// The single-instance lock: an exclusive flock(2) on a lock file, held for the life of the run.
/// .NET takes flock(LOCK_EX|LOCK_NB) for FileShare.None on Linux; the kernel drops it when the
/// process dies, so a crashed run never leaves a stale lock behind.
/// </summary>
public sealed class RunLock : IDisposable
{
    // On Linux .NET reports a flock conflict as an IOException whose HResult is the errno.
    private const int EWouldBlock = 11;

    private readonly FileStream _stream;

    private RunLock(FileStream stream) => _stream = stream;

    public static (RunLock? Lock, string? Error, bool Held) TryAcquire(string path)
    {
        try
        {
            var dir = Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir);
            }

            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            // The PID is for the operator (cat the file); the lock itself is the flock.
            stream.SetLength(0);
            var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n";
            stream.Write(System.Text.Encoding.ASCII.GetBytes(pid));
            stream.Flush();
            return (new RunLock(stream), null, false);
        }
        catch (IOException e) when (e.HResult == EWouldBlock)
        {
            return (null, $"another tidemark run holds the lock {path}; try again when it finishes", true);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return (null, $"cannot create the lock file {path}: {e.Message} (set [lock] path)", false);
        }
    }

    public void Dispose() => _stream.Dispose();
}
