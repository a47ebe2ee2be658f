using System.Runtime.InteropServices;

namespace Tidemark.Cli.Platform;

/// <summary>
/// The few libc calls .NET does not expose: open(2) with O_NOFOLLOW, flock(2) and statx(2)
/// (whose buffer has one layout on every architecture, unlike struct stat).
/// </summary>
internal enum FileKind
{
    Regular,
    Directory,
    /// <summary>A FIFO, socket or device: reading one may block or never end.</summary>
    Other,
}

internal static partial class Posix
{
    public const int EWouldBlock = 11;
    public const int ENoEnt = 2;
    public const int EIsDir = 21;
    public const int ELoop = 40;

    private const int ORdWr = 2;
    private const int OCreat = 0x40;
    private const int OCloExec = 0x80000;
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;

    // O_NOFOLLOW is 0400000 on x86-64 (and the generic table: riscv64, loongarch64, s390x),
    // 0100000 on arm, arm64 and powerpc.
    private static int ONoFollow => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm or Architecture.Ppc64le ? 0x8000 : 0x20000;

    /// <summary>Opens (creating, mode 0600) without following a symlink at the last component.</summary>
    public static int OpenNoFollow(string path, out int errno)
    {
        var fd = open(path, ORdWr | OCreat | OCloExec | ONoFollow, 0x180);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>
    /// Opens an existing file read-only, never creating it and never following a link. Not
    /// File.OpenHandle: .NET takes a shared flock on open, which a held exclusive lock refuses.
    /// </summary>
    public static int OpenReadOnlyNoFollow(string path, out int errno)
    {
        var fd = open(path, OCloExec | ONoFollow, 0);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    public static int TryLockExclusive(int fd) =>
        flock(fd, LockExclusive | LockNonBlocking) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>The (device, inode) of an open descriptor.</summary>
    public static (ulong Dev, ulong Ino)? Identity(int fd) => Statx(fd, "", AtEmptyPath);

    /// <summary>The (device, inode) of a path itself (a symlink is not followed); null when it is gone.</summary>
    public static (ulong Dev, ulong Ino)? Identity(string path) => Statx(AtFdCwd, path, AtSymlinkNoFollow);

    /// <summary>The S_IFMT bits of what a path names (symlinks followed), or null when it cannot be read.</summary>
    public static FileKind? KindOf(string path)
    {
        var mode = StatxMode(AtFdCwd, path, 0);
        return mode switch
        {
            null => null,
            var m when (m & 0xF000) == 0x8000 => FileKind.Regular,
            var m when (m & 0xF000) == 0x4000 => FileKind.Directory,
            _ => FileKind.Other,
        };
    }

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>The user ID owning what a path names (a symlink is not followed), or null when it cannot be read.</summary>
    public static unsafe uint? OwnerOf(string path)
    {
        var buffer = stackalloc byte[256];
        return statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) == 0 ? *(uint*)(buffer + 20) : null;
    }

    /// <summary>The effective user ID of this process.</summary>
    public static uint EffectiveUid => geteuid();

    private static unsafe ushort? StatxMode(int dirFd, string path, int flags)
    {
        var buffer = stackalloc byte[256];
        return statx(dirFd, path, flags, StatxBasicStats, buffer) == 0 ? *(ushort*)(buffer + 28) : null;
    }

    private static unsafe (ulong Dev, ulong Ino)? Statx(int dirFd, string path, int flags)
    {
        var buffer = stackalloc byte[256];
        if (statx(dirFd, path, flags, StatxBasicStats, buffer) != 0)
        {
            return null;
        }

        var ino = *(ulong*)(buffer + 32);
        var devMajor = *(uint*)(buffer + 136);
        var devMinor = *(uint*)(buffer + 140);
        return (((ulong)devMajor << 32) | devMinor, ino);
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int flock(int fd, int operation);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirFd, string path, int flags, uint mask, byte* buffer);
}
