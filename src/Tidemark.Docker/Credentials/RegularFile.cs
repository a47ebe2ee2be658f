using System.Runtime.InteropServices;

namespace Tidemark.Docker.Credentials;

/// <summary>
/// What a path names, before it is opened: a FIFO or device named as a configuration file
/// would block the read or never end it. statx(2), following symlinks.
/// </summary>
internal static partial class RegularFile
{
    public enum Kind
    {
        Regular,
        Missing,
        Directory,
        Other,
    }

    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int ENoEnt = 2;
    private const int ENotDir = 20;

    public static unsafe Kind Check(string path)
    {
        var buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, 0, StatxType, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            // Anything else (permission denied on the way, a loop) is for the open to report.
            return errno is ENoEnt or ENotDir ? Kind.Missing : Kind.Regular;
        }

        var mode = *(ushort*)(buffer + 28);
        return (mode & 0xF000) switch
        {
            0x8000 => Kind.Regular,
            0x4000 => Kind.Directory,
            _ => Kind.Other,
        };
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirFd, string path, int flags, uint mask, byte* buffer);
}
