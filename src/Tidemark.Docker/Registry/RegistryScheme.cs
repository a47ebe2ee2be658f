using System.Net;

namespace Tidemark.Docker.Registry;

/// <summary>
/// Which scheme a registry is spoken to with: https, except plain http for a loopback host
/// (127.0.0.0/8, ::1, localhost) and for a registry the daemon is told is insecure. The daemon
/// reports those in /info (RegistryConfig: InsecureRegistryCIDRs, and IndexConfigs with
/// Secure=false); each entry is a host[:port] or a CIDR that an IP-literal host falls in.
/// (Unlike the daemon, Tidemark does not first try https with an unverified certificate.)
/// </summary>
public static class RegistryScheme
{
    public static bool IsLoopback(string registry)
    {
        var host = Host(registry);
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }

    /// <summary>Does <paramref name="registry"/> match an entry of the daemon's insecure registries?</summary>
    public static bool IsInsecure(string registry, IEnumerable<string> insecure)
    {
        var host = Host(registry);
        IPAddress.TryParse(host, out var address);
        foreach (var entry in insecure)
        {
            if (string.Equals(entry, registry, StringComparison.OrdinalIgnoreCase)
                || string.Equals(entry, host, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (address is not null && entry.Contains('/', StringComparison.Ordinal)
                && IPNetwork.TryParse(entry, out var network) && network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"http" or "https" for <paramref name="registry"/> (host[:port]).</summary>
    public static string For(string registry, IEnumerable<string> insecure) =>
        IsLoopback(registry) || IsInsecure(registry, insecure) ? "http" : "https";

    /// <summary>The host of host[:port] without brackets: "[::1]:5000" → "::1".</summary>
    public static string Host(string registry)
    {
        if (registry.StartsWith('['))
        {
            var close = registry.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? registry[1..close] : registry;
        }

        var colon = registry.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? registry[..colon] : registry;
    }
}
