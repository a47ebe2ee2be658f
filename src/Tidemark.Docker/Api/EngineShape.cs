using Tidemark.Docker.Models;

namespace Tidemark.Docker.Api;

/// <summary>
/// Valid JSON of the wrong shape (`{}`, `[{}]`) must not read as "nothing there": an empty
/// container list would make every image look unused. Each check names the first field that a
/// real daemon always sends and this answer lacks; null means the answer can be used.
/// </summary>
public static class EngineShape
{
    public static string? Info(SystemInfo info) =>
        string.IsNullOrEmpty(info.ServerVersion) ? "no ServerVersion: not the daemon's system information" : null;

    public static string? Containers(List<ContainerSummary> containers) =>
        containers.Any(c => c is null || string.IsNullOrEmpty(c.Id) || string.IsNullOrEmpty(c.ImageID)) ? "a container without Id or ImageID"
        : Repeated(containers.Select(c => c.Id)) ? "the same container twice"
        : null;

    public static string? Images(List<ImageSummary> images) =>
        images.Any(i => i is null || string.IsNullOrEmpty(i.Id)) ? "an image without Id"
        : Repeated(images.Select(i => i.Id)) ? "the same image twice"
        : null;

    public static string? DiskUsage(DiskUsageResponse df) =>
        df.LayersSize is null && df.ImagesDiskUsage is null ? "neither LayersSize nor ImagesDiskUsage: not a disk usage report"
        : df.AllImages.Any(i => i is null || string.IsNullOrEmpty(i.Id)) ? "an image without Id"
        : df.AllContainers.Any(c => c is null || string.IsNullOrEmpty(c.Id)) ? "a container without Id"
        : df.AllBuildCache.Any(b => b is null || string.IsNullOrEmpty(b.Id)) ? "a build cache record without ID"
        : null;

    public static string? Services(List<SwarmService> services) =>
        services.Any(s => s is null || string.IsNullOrEmpty(s.Id) || s.Spec is null) ? "a service without ID or Spec" : null;

    public static string? Tasks(List<SwarmTask> tasks) =>
        tasks.Any(t => t is null || string.IsNullOrEmpty(t.Id)) ? "a task without ID" : null;

    public static string? History(List<ImageHistoryItem> history) =>
        history.Any(h => h is null || h.Id is null) ? "a history entry without Id" : null;

    public static string? Event(EngineEvent e) =>
        string.IsNullOrEmpty(e.Type) || string.IsNullOrEmpty(e.Action) ? "an event without Type or Action" : null;

    private static bool Repeated(IEnumerable<string> ids)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return ids.Any(id => !seen.Add(id));
    }
}
