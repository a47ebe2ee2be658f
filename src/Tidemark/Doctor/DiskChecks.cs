using Tidemark.Core.Configuration;
using Tidemark.Docker.Models;
using static Tidemark.Cli.Doctor.DaemonChecks;

namespace Tidemark.Cli.Doctor;

/// <summary>The data root's file system against the watermarks, and what fills it.</summary>
public static class DiskChecks
{
    public const string Area = "disk";

    public static IEnumerable<CheckResult> For(DaemonFacts f, DiskSettings marks)
    {
        if (f.Disk is not { } disk)
        {
            yield return CheckResult.Fail(Area, $"the data root's file system cannot be measured from here: {f.DiskError}",
                "run Tidemark where the data root is visible at the same path (in a container: mount it read-only at that path)");
        }
        else
        {
            yield return Level(disk.UsedPercent, marks.HighWatermarkPercent, marks.LowWatermarkPercent, marks.Critical,
                $"space on {disk.Display}: {disk.UsedPercent} % used ({Bytes(disk.UsedBytes)} of {Bytes(disk.UsedBytes + disk.AvailableBytes)})",
                Facts(("path", disk.Path), ("usedBytes", disk.UsedBytes), ("sizeBytes", disk.UsedBytes + disk.AvailableBytes), ("usedPercent", disk.UsedPercent),
                    ("highPercent", marks.HighWatermarkPercent), ("lowPercent", marks.LowWatermarkPercent), ("criticalPercent", marks.Critical)));
            if (disk.TotalInodes > 0)
            {
                yield return Level(disk.InodeUsedPercent, marks.InodeHigh, marks.InodeLow, Math.Max(marks.InodeHigh, marks.Critical),
                    $"inodes on {disk.Display}: {disk.InodeUsedPercent} % used ({disk.UsedInodes} of {disk.TotalInodes})",
                    Facts(("usedInodes", disk.UsedInodes), ("inodes", disk.TotalInodes), ("usedPercent", disk.InodeUsedPercent)));
            }
        }

        yield return f.Usage is { } usage
            ? Breakdown(usage)
            : CheckResult.Warn(Area, $"what fills the disk is unknown: {f.UsageError}", "check that the daemon answers `docker system df`");
    }

    private static CheckResult Level(int used, int high, int low, int critical, string evidence, IReadOnlyDictionary<string, object?> facts) =>
        used >= critical && critical < 100
            ? CheckResult.Fail(Area, $"{evidence}: at or above the critical watermark {critical} %",
                "free space now: Tidemark removes unused images even while runs are live at this level; if it cannot get below, the disk is too small for the working set", facts)
            : used >= high
                ? CheckResult.Warn(Area, $"{evidence}: at or above the high watermark {high} %",
                    $"Tidemark reclaims down to {low} % on its next run once the host is idle (`tidemark plan` shows what it would remove)", facts)
                : CheckResult.Ok(Area, $"{evidence}: below the high watermark {high} %", facts);

    private static CheckResult Breakdown(DiskUsageResponse u)
    {
        // The daemon's figures are summed saturating: an absurd answer is shown, not a crash.
        var images = Math.Max(0, u.ImagesDiskUsage?.TotalSize ?? u.LayersSize ?? 0);
        var containers = Sum(u.AllContainers.Where(c => c is not null).Select(c => c.SizeRw));
        var cache = Sum(u.AllBuildCache.Where(b => b is not null).Select(b => b.Size));
        var volumes = Sum(u.AllVolumes.Where(v => v is not null).Select(v => v.UsageData?.Size ?? 0));
        var unused = Sum(u.AllImages.Where(i => i is { Containers: 0 }).Select(i => i.Size - Math.Max(0, i.SharedSize)));
        return CheckResult.Ok(Area,
            $"{u.AllImages.Count} images: {Bytes(images)} (about {Bytes(unused)} only in images no container uses); {u.AllContainers.Count} containers: {Bytes(containers)}; " +
            $"build cache: {Bytes(cache)}; {u.AllVolumes.Count} volumes: {Bytes(volumes)} (Tidemark never touches volumes)",
            Facts(("imagesBytes", images), ("images", u.AllImages.Count), ("unusedImagesUniqueBytes", unused), ("containersBytes", containers),
                ("containers", u.AllContainers.Count), ("buildCacheBytes", cache), ("volumesBytes", volumes), ("volumes", u.AllVolumes.Count)));
    }

    private static long Sum(IEnumerable<long> values)
    {
        long total = 0;
        foreach (var v in values)
        {
            total = v <= 0 ? total : total > long.MaxValue - v ? long.MaxValue : total + v;
        }

        return total;
    }
}
