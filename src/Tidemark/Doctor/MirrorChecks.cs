using Tidemark.Docker.Models;
using static Tidemark.Cli.Doctor.DaemonChecks;

namespace Tidemark.Cli.Doctor;

/// <summary>The daemon's registry mirrors and the registries it reaches without TLS (from /info).</summary>
public static class MirrorChecks
{
    public const string Area = "mirrors";

    public static IEnumerable<CheckResult> For(SystemInfo info)
    {
        var config = info.RegistryConfig;
        var mirrors = (config?.Mirrors ?? []).Where(m => !string.IsNullOrWhiteSpace(m)).ToList();
        var nodes = info.Swarm is { LocalNodeState: "active", Nodes: { } n } ? n : 1;
        if (mirrors.Count > 0)
        {
            yield return CheckResult.Ok(Area, $"registry mirrors: {string.Join(", ", mirrors)}", Facts(("mirrors", mirrors)));
        }
        else if (nodes > 1)
        {
            yield return CheckResult.Warn(Area, $"no registry mirror on a swarm of {nodes} nodes: every node pulls every image from the registry itself",
                "run a pull-through cache (a distribution registry in proxy mode) and list it in each daemon's registry-mirrors (docs/doctor.md)",
                Facts(("mirrors", mirrors), ("nodes", nodes)));
        }
        else
        {
            yield return CheckResult.Ok(Area, "no registry mirror (a single host: its own image store is the cache)", Facts(("mirrors", mirrors)));
        }

        // The loopback range is insecure by default on every daemon: only what was added is news.
        var insecure = (config?.InsecureRegistryCidrs ?? []).Where(c => c != "127.0.0.0/8" && c != "::1/128")
            .Concat((config?.IndexConfigs ?? []).Values.Where(i => !i.Secure && i.Name is { Length: > 0 }).Select(i => i.Name!))
            .Distinct(StringComparer.Ordinal).ToList();
        if (insecure.Count > 0)
        {
            yield return CheckResult.Ok(Area, $"registries reached without TLS: {string.Join(", ", insecure)}", Facts(("insecure", insecure)));
        }
    }
}
