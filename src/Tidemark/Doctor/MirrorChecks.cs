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
        var swarm = info.Swarm is { LocalNodeState: "active" } active ? active : null;
        var nodes = swarm?.Nodes ?? 1;
        // On a swarm every node's doctor reports its own daemon (a global job, docs/scale-out.md):
        // each line says whose it is.
        var node = swarm is not null && !string.IsNullOrEmpty(info.Name) ? info.Name : null;
        var whose = node is null ? "" : $"node {node}: ";
        if (mirrors.Count > 0)
        {
            yield return CheckResult.Ok(Area, $"{whose}registry mirrors: {string.Join(", ", mirrors)}", Facts(("mirrors", mirrors), ("node", node)));
        }
        else if (nodes > 1)
        {
            yield return CheckResult.Warn(Area, $"{whose}no registry mirror on a swarm of {nodes} nodes: every node pulls every image from the registry itself",
                "run a pull-through cache (a distribution registry in proxy mode) and list it in each daemon's registry-mirrors (docs/scale-out.md)",
                Facts(("mirrors", mirrors), ("nodes", nodes), ("node", node)));
        }
        else
        {
            yield return CheckResult.Ok(Area, "no registry mirror (a single host: its own image store is the cache)", Facts(("mirrors", mirrors)));
        }

        // The loopback range is insecure by default on every daemon: only what was added is news.
        var insecure = Insecure(info).Where(c => c is not ("127.0.0.0/8" or "::1/128")).ToList();
        if (insecure.Count > 0)
        {
            yield return CheckResult.Ok(Area, $"registries reached without TLS: {string.Join(", ", insecure)}", Facts(("insecure", insecure)));
        }
    }

    /// <summary>What the daemon reaches without TLS: its CIDRs and the registries it marks insecure (null entries skipped).</summary>
    public static List<string> Insecure(SystemInfo? info) =>
    [
        .. (info?.RegistryConfig?.InsecureRegistryCidrs ?? []).Where(c => !string.IsNullOrWhiteSpace(c)).Distinct(StringComparer.Ordinal),
        .. (info?.RegistryConfig?.IndexConfigs ?? []).Values.Where(i => i is { Secure: false, Name.Length: > 0 }).Select(i => i.Name!).Distinct(StringComparer.Ordinal),
    ];
}
