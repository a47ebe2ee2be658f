namespace Tidemark.Core.Inventory;

/// <summary>
/// statvfs figures for the file system holding the data root, in bytes and inodes.
/// </summary>
public sealed record DiskReading(
    string Path,
    long TotalBytes,
    long FreeBytes,
    long AvailableBytes,
    long TotalInodes,
    long FreeInodes)
{
    /// <summary>
    /// The path the reading stands for when <see cref="Path"/> is another path on the same file
    /// system (its mount point: the data root itself could not be reached by this user).
    /// </summary>
    public string? StandsFor { get; init; }

    /// <summary>How the operator should read <see cref="Path"/>: "/srv (the file system of /srv/private/docker)".</summary>
    public string Display => StandsFor is { } root && root != Path ? $"{Path} (the file system of {root})" : Path;

    /// <summary>Bytes in use, as df counts them (total minus free, reserved blocks not counted as used).</summary>
    public long UsedBytes => TotalBytes - FreeBytes;

    /// <summary>
    /// Used percent exactly as df prints it: used / (used + available), rounded up, so that
    /// the figure an operator reads in `df` is the figure the gate compares.
    /// </summary>
    public int UsedPercent => PercentRoundedUp(UsedBytes, UsedBytes + AvailableBytes);

    public long UsedInodes => TotalInodes - FreeInodes;

    /// <summary>Inode use as `df -i` prints it; 0 on file systems without a fixed inode table.</summary>
    public int InodeUsedPercent => PercentRoundedUp(UsedInodes, TotalInodes);

    /// <summary>
    /// Bytes that must be freed to bring use strictly below <paramref name="percent"/> by df's
    /// measure (0 when it already is).
    /// </summary>
    public long BytesToFreeForBelow(int percent)
    {
        var capacity = UsedBytes + AvailableBytes;
        if (capacity <= 0)
        {
            return 0;
        }

        // ceil(100*used/capacity) < percent  <=>  100*used <= (percent-1)*capacity
        var allowed = (long)Math.Floor((percent - 1) * (double)capacity / 100.0);
        return Math.Max(0, UsedBytes - allowed);
    }

    /// <summary>Inodes to free to bring inode use strictly below <paramref name="percent"/>.</summary>
    public long InodesToFreeForBelow(int percent)
    {
        if (TotalInodes <= 0)
        {
            return 0;
        }

        var allowed = (long)Math.Floor((percent - 1) * (double)TotalInodes / 100.0);
        return Math.Max(0, UsedInodes - allowed);
    }

    /// <summary>Average bytes per used inode: converts an inode target into bytes to free.</summary>
    public double BytesPerInode => UsedInodes > 0 ? (double)UsedBytes / UsedInodes : 0;

    private static int PercentRoundedUp(long used, long total)
    {
        if (total <= 0 || used <= 0)
        {
            return 0;
        }

        return (int)Math.Ceiling(used * 100.0 / total);
    }
}
