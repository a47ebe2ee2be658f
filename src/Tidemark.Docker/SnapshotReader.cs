using Tidemark.Core.Inventory;
using Tidemark.Docker.Api;
using Tidemark.Docker.Host;
using Tidemark.Docker.Models;

namespace Tidemark.Docker;

/// <summary>
/// Reads one complete <see cref="Snapshot"/> from the daemon and the data root's file system.
/// Any part that cannot be read fails the whole snapshot: nothing is decided on half a picture.
/// </summary>
public sealed class SnapshotReader(DockerClient client, TimeProvider clock)
{
    /// <param name="diskPath">The [disk] path setting; empty means the daemon's DockerRootDir.</param>
    /// <param name="needsSizes">Whether, at this disk reading, object sizes and build cache are needed
    /// (GET /system/df, the costliest call): only when there may be something to plan.</param>
    public async Task<ApiResult<Snapshot>> ReadAsync(string diskPath, Func<DiskReading, bool> needsSizes, CancellationToken ct)
    {
        var info = await client.GetInfoAsync(ct).ConfigureAwait(false);
        if (!info.IsOk)
        {
            return info.Error!;
        }

        var daemon = ToDaemonFacts(info.Value, client.DaemonVersion);
        var path = diskPath.Length > 0 ? diskPath : daemon.DataRoot;
        if (path.Length == 0)
        {
            return new ApiError(ApiErrorKind.DiskUnreadable,
                "the daemon reported no DockerRootDir; set [disk] path to the file system to watch");
        }

        if (!DiskMeasure.TryRead(path, out var disk, out var diskError))
        {
            return new ApiError(ApiErrorKind.DiskUnreadable,
                $"{diskError} (the data root must be a local path: run Tidemark on the Docker host, or set [disk] path)");
        }

        var containersTask = client.ListContainersAsync(ct);
        var imagesTask = client.ListImagesAsync(ct);
        var dfTask = needsSizes(disk)
            ? client.GetDiskUsageAsync(ct)
            : Task.FromResult(ApiResult<DiskUsageResponse>.Ok(new DiskUsageResponse()));
        var servicesTask = daemon.Swarm == SwarmRole.Manager
            ? ReadServicesAsync(ct)
            : Task.FromResult(ApiResult<List<ServiceRecord>>.Ok([]));
        await Task.WhenAll(containersTask, imagesTask, dfTask, servicesTask).ConfigureAwait(false);

        foreach (var error in new[] { containersTask.Result.Error, imagesTask.Result.Error, dfTask.Result.Error, servicesTask.Result.Error })
        {
            if (error is not null)
            {
                return error;
            }
        }

        var df = dfTask.Result.Value;
        return ApiResult<Snapshot>.Ok(new Snapshot(
            clock.GetUtcNow(),
            daemon,
            disk,
            EngineMapping.Containers(containersTask.Result.Value, df.AllContainers),
            EngineMapping.Images(imagesTask.Result.Value, df.AllImages),
            servicesTask.Result.Value,
            df.AllBuildCache.Select(EngineMapping.BuildCache).ToList()));
    }

    /// <summary>Only what can change while a plan is carried out: live containers and services.</summary>
    public async Task<ApiResult<(IReadOnlyList<ContainerRecord> Containers, IReadOnlyList<ServiceRecord> Services)>> ReadActivityAsync(
        SwarmRole role, CancellationToken ct)
    {
        var containers = await client.ListContainersAsync(ct).ConfigureAwait(false);
        if (!containers.IsOk)
        {
            return containers.Error!;
        }

        IReadOnlyList<ServiceRecord> services = [];
        if (role == SwarmRole.Manager)
        {
            var listed = await ReadServicesAsync(ct).ConfigureAwait(false);
            if (!listed.IsOk)
            {
                return listed.Error!;
            }

            services = listed.Value;
        }

        IReadOnlyList<ContainerRecord> mapped = EngineMapping.Containers(containers.Value, []);
        return ApiResult<(IReadOnlyList<ContainerRecord>, IReadOnlyList<ServiceRecord>)>.Ok((mapped, services));
    }

    /// <summary>
    /// The services, and for each one still converging, since when (its tasks are read for that:
    /// only the converging ones, so a settled swarm costs one call).
    /// </summary>
    private async Task<ApiResult<List<ServiceRecord>>> ReadServicesAsync(CancellationToken ct)
    {
        var listed = await client.ListServicesAsync(ct).ConfigureAwait(false);
        if (!listed.IsOk)
        {
            return listed.Error!;
        }

        var services = new List<ServiceRecord>(listed.Value.Count);
        foreach (var s in listed.Value)
        {
            var record = EngineMapping.Service(s);
            if (record.Converging)
            {
                var tasks = await client.ListTasksAsync(s.Id, ct).ConfigureAwait(false);
                if (!tasks.IsOk)
                {
                    return tasks.Error!;
                }

                var states = tasks.Value.Select(t => new Core.Gates.TaskState(t.Status?.State ?? "", t.Status?.Timestamp));
                record = record with
                {
                    ConvergingSince = Core.Gates.Convergence.Since(record.UpdateInProgress, s.UpdateStatus?.StartedAt, s.UpdatedAt ?? s.CreatedAt, states),
                };
            }

            services.Add(record);
        }

        return ApiResult<List<ServiceRecord>>.Ok(services);
    }

    private static DaemonFacts ToDaemonFacts(SystemInfo info, ApiVersion daemonApi)
    {
        var role = info.Swarm?.LocalNodeState switch
        {
            "active" when info.Swarm.ControlAvailable => SwarmRole.Manager,
            "active" => SwarmRole.Worker,
            _ => SwarmRole.None,
        };
        return new DaemonFacts(info.ServerVersion ?? "unknown", daemonApi.ToString(), info.DockerRootDir ?? "", role, info.Id ?? "");
    }
}
