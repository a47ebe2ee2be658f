using Tidemark.Core.Text;

namespace Tidemark.Cli.Doctor;

/// <summary>The daemon: reachable, which engine and API, where its data lives, swarm state.</summary>
public static class DaemonChecks
{
    public const string Area = "daemon";

    public static CheckResult Unreachable(string endpoint, string error) => CheckResult.Fail(Area,
        $"cannot use the Docker daemon at {endpoint}: {error}",
        "start dockerd, or point DOCKER_HOST / [docker] host at its socket; Tidemark needs root or the docker group to use it");

    public static IEnumerable<CheckResult> For(DaemonFacts f)
    {
        var info = f.Info;
        yield return CheckResult.Ok(Area,
            $"Docker Engine {info.ServerVersion} at {f.Endpoint}: API {f.DaemonApiVersion} (Tidemark speaks {f.ApiVersion}), {info.OperatingSystem ?? info.OSType ?? "unknown OS"}, {info.Architecture ?? "unknown architecture"}",
            Facts(("engine", info.ServerVersion), ("api", f.DaemonApiVersion), ("apiUsed", f.ApiVersion), ("endpoint", f.Endpoint)));

        var root = info.DockerRootDir ?? "(not reported)";
        var fs = f.FileSystem is { } m ? $"on {m.Type} ({m.Source}, mounted at {m.Mount})" : "on a file system not visible from here";
        var dataRootFacts = Facts(("dataRoot", root), ("fileSystem", f.FileSystem?.Type), ("mount", f.FileSystem?.Mount), ("storageDriver", info.Driver));
        yield return info.Driver == "vfs"
            ? CheckResult.Warn(Area, $"data root {root} {fs}, storage driver vfs: every layer is stored in full for every image",
                "use overlay2 (the daemon's default on ext4 and xfs): with vfs a warm cache costs many times its size", dataRootFacts)
            : CheckResult.Ok(Area, $"data root {root} {fs}, storage driver {info.Driver ?? "unknown"}", dataRootFacts);

        yield return Swarm(info.Swarm);
    }

    private static CheckResult Swarm(Docker.Models.SwarmInfo? swarm)
    {
        var state = swarm?.LocalNodeState ?? "inactive";
        var facts = Facts(("swarm", state), ("manager", swarm?.ControlAvailable), ("nodes", swarm?.Nodes), ("managers", swarm?.Managers));
        return state switch
        {
            "inactive" or "" => CheckResult.Ok(Area, "swarm: inactive (a single host)", facts),
            "active" when swarm!.ControlAvailable => CheckResult.Ok(Area,
                $"swarm: active, this node is a manager ({Count(swarm.Nodes, "node")}, {Count(swarm.Managers, "manager")})", facts),
            "active" => CheckResult.Ok(Area, "swarm: active, this node is a worker (service specs are read on managers)", facts),
            _ => CheckResult.Warn(Area, $"swarm: {state}", "see `docker info` and `docker node ls`: a swarm that is not active cannot schedule or report services", facts),
        };
    }

    private static string Count(int? n, string what) => n is { } v ? $"{v} {what}{(v == 1 ? "" : "s")}" : $"{what}s unknown";

    /// <summary>Facts for --json, without the nulls.</summary>
    internal static IReadOnlyDictionary<string, object?> Facts(params (string Key, object? Value)[] facts) =>
        facts.Where(f => f.Value is not null).ToDictionary(f => f.Key, f => f.Value);

    internal static string Bytes(long bytes) => ByteSize.Format(bytes);
}
