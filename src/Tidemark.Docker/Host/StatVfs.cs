using System.Runtime.InteropServices;
using Tidemark.Core.Inventory;

namespace Tidemark.Docker.Host;

/// <summary>
/// statvfs(3) on the data root, the same call df makes. 64-bit Linux layout (x86_64, aarch64).
/// </summary>
public static partial class StatVfs
{
    /// <summary>errno for "permission denied": a directory on the way is not searchable by this user.</summary>
    public const int AccessDenied = 13;

    public static bool TryRead(string path, out DiskReading reading, out string error) => TryRead(path, out reading, out error, out _);

    public static bool TryRead(string path, out DiskReading reading, out string error, out int errno)
    {
        errno = 0;
        reading = new DiskReading(path, 0, 0, 0, 0, 0);
        if (!OperatingSystem.IsLinux())
        {
            error = "statvfs is only read on Linux";
            return false;
        }

        if (statvfs(path, out var b) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            error = $"cannot measure {path}: {Marshal.GetPInvokeErrorMessage(errno)}";
            return false;
        }

        var unit = (long)(b.FragmentSize != 0 ? b.FragmentSize : b.BlockSize);
        reading = new DiskReading(
            path,
            TotalBytes: (long)b.Blocks * unit,
            FreeBytes: (long)b.FreeBlocks * unit,
            AvailableBytes: (long)b.AvailableBlocks * unit,
            TotalInodes: (long)b.Files,
            FreeInodes: (long)b.FreeFiles);
        error = "";
        return true;
    }

    [LibraryImport("libc", EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statvfs(string path, out StatVfsBuffer buffer);

    [StructLayout(LayoutKind.Sequential)]
    private struct StatVfsBuffer
    {
        public ulong BlockSize;
        public ulong FragmentSize;
        public ulong Blocks;
        public ulong FreeBlocks;
        public ulong AvailableBlocks;
        public ulong Files;
        public ulong FreeFiles;
        public ulong AvailableFiles;
        public ulong FileSystemId;
        public ulong Flags;
        public ulong MaxNameLength;
        // glibc's int __f_spare[6].
        public ulong Spare0;
        public ulong Spare1;
        public ulong Spare2;
    }
}
