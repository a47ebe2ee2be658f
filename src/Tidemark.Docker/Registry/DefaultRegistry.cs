namespace Tidemark.Docker.Registry;

/// <summary>
/// The registry a name without a host lives on, as the daemon reports it in /info
/// (IndexServerAddress): Tidemark never spells it out itself. The address is also the key of the
/// default registry's entry in a Docker client config's auths.
/// </summary>
/// <param name="Domain">The registry part of a fully qualified reference ("host" of the address, less a leading "index.").</param>
/// <param name="ConfigKey">The address as the daemon gave it: the credentials key.</param>
public sealed record DefaultRegistry(string Domain, string ConfigKey)
{
    /// <summary>What is used when the daemon says nothing: a name that resolves nowhere, so nothing is ever sent to a guess.</summary>
    public static DefaultRegistry Unknown { get; } = new("default-registry.invalid", "");

    public static DefaultRegistry FromIndexServer(string? address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return Unknown;
        }

        var host = uri.Host.StartsWith("index.", StringComparison.OrdinalIgnoreCase) && uri.Host.Count(c => c == '.') >= 2
            ? uri.Host["index.".Length..]
            : uri.Host;
        var domain = uri.IsDefaultPort ? host : $"{host}:{uri.Port}";
        return ImageName.IsValidDomain(domain) ? new DefaultRegistry(domain.ToLowerInvariant(), address!) : Unknown;
    }
}
