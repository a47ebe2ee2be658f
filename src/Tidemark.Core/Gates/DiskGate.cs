using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;

namespace Tidemark.Core.Gates;

/// <summary>Gate 1: reclaim only under genuine pressure on the data root's file system.</summary>
public static class DiskGate
{
    public const string Name = "disk";

    public static GateResult Evaluate(DiskReading disk, DiskSettings settings)
    {
        var used = disk.UsedPercent;
        var high = settings.HighWatermarkPercent;
        if (used >= high)
        {
            return GateResult.Pass(Name,
                $"disk {disk.Display} at {used}% (>= {high}%): under pressure, reclaiming towards {settings.LowWatermarkPercent}%");
        }

        // overlay2 hosts can run out of inodes long before bytes.
        var inodes = disk.InodeUsedPercent;
        if (disk.TotalInodes > 0 && inodes >= settings.InodeHigh)
        {
            return GateResult.Pass(Name,
                $"disk {disk.Display} inodes at {inodes}% (>= {settings.InodeHigh}%, bytes at {used}%): under inode pressure, reclaiming towards {settings.InodeLow}%");
        }

        return GateResult.Block(Name,
            $"disk {disk.Display} at {used}% (< {high}%): keeping local image cache, nothing to do");
    }
}
