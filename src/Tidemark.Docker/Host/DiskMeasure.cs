using Tidemark.Core.Inventory;

namespace Tidemark.Docker.Host;

/// <summary>
/// Measures the file system that holds the data root. An unprivileged Tidemark (a systemd unit
/// in the docker group) may not be allowed through a directory on the way to the data root; the
/// file system is then measured at its mount point, found in /proc/self/mountinfo, and the
/// reading says which path was measured for which.
/// </summary>
public static class DiskMeasure
{
    public static bool TryRead(string dataRoot, out DiskReading reading, out string error) =>
        TryRead(dataRoot, out reading, out error, ReadMountInfo, StatVfs.TryRead);

    /// <summary>The same, with the mount table and statvfs given (tests).</summary>
    public static bool TryRead(
        string dataRoot, out DiskReading reading, out string error, Func<string?> mountInfo, StatVfsCall statvfs)
    {
        if (statvfs(dataRoot, out reading, out error, out var errno))
        {
            return true;
        }

        // Only when the path exists but cannot be reached: a path that does not exist here (a
        // container without the host's data root) must not be measured as the file system around it.
        if (errno != StatVfs.AccessDenied || MountPoints.Containing(dataRoot, mountInfo()) is not { } mount || mount == dataRoot)
        {
            return false;
        }

        if (!statvfs(mount, out reading, out var mountError, out _))
        {
            error = $"{error}; its mount point {mount} cannot be measured either: {mountError}";
            return false;
        }

        reading = reading with { StandsFor = dataRoot };
        error = "";
        return true;
    }

    public delegate bool StatVfsCall(string path, out DiskReading reading, out string error, out int errno);

    public static string? ReadMountInfo()
    {
        try
        {
            return File.ReadAllText("/proc/self/mountinfo");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>/proc/self/mountinfo: which mount a path lives on.</summary>
public static class MountPoints
{
    /// <summary>The longest mount point that holds <paramref name="path"/>, or null.</summary>
    public static string? Containing(string path, string? mountInfo)
    {
        if (mountInfo is null || !path.StartsWith('/'))
        {
            return null;
        }

        string? best = null;
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // ID parent major:minor root MOUNT-POINT options … (spaces in it written as \040)
            var fields = line.Split(' ');
            if (fields.Length < 5)
            {
                continue;
            }

            var mount = Unescape(fields[4]);
            if (Holds(mount, path) && (best is null || mount.Length > best.Length))
            {
                best = mount;
            }
        }

        return best;
    }

    /// <summary>The mount that holds <paramref name="path"/>: its mount point, file-system type and source, or null.</summary>
    public static (string Mount, string Type, string Source)? FileSystemOf(string path, string? mountInfo)
    {
        if (mountInfo is null || !path.StartsWith('/'))
        {
            return null;
        }

        (string Mount, string Type, string Source)? best = null;
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // … MOUNT-POINT options [optional fields] - TYPE SOURCE super-options
            var fields = line.Split(' ');
            var dash = fields.Length > 6 ? Array.IndexOf(fields, "-", 6) : -1;
            if (dash < 0 || dash + 2 >= fields.Length)
            {
                continue;
            }

            var mount = Unescape(fields[4]);
            // Mounts stacked on one point: the later line is the one on top.
            if (Holds(mount, path) && (best is null || mount.Length >= best.Value.Mount.Length))
            {
                best = (mount, fields[dash + 1], Unescape(fields[dash + 2]));
            }
        }

        return best;
    }

    private static bool Holds(string mount, string path) =>
        mount == "/" || path == mount || path.StartsWith(mount + "/", StringComparison.Ordinal);

    private static string Unescape(string field) => field
        .Replace("\\040", " ", StringComparison.Ordinal)
        .Replace("\\011", "\t", StringComparison.Ordinal)
        .Replace("\\012", "\n", StringComparison.Ordinal)
        .Replace("\\134", "\\", StringComparison.Ordinal);
}
