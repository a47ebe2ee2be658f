namespace Tidemark.Docker.Credentials;

/// <summary>
/// The registry a Docker client configuration key names. Keys are written as a bare host
/// (`127.0.0.1:5100`), with a scheme (`http://127.0.0.1:5100`) or as a URL with a path
/// (`https://127.0.0.1:5100/v1/`, how the default registry's key looks); Docker matches them by
/// host, and so does Tidemark.
/// </summary>
public static class RegistryHost
{
    /// <summary>The host (and port) of a key: scheme and path dropped, lower case.</summary>
    public static string Normalize(string key)
    {
        var s = key.Trim();
        foreach (var scheme in (ReadOnlySpan<string>)["https://", "http://"])
        {
            if (s.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                s = s[scheme.Length..];
                break;
            }
        }

        var slash = s.IndexOf('/');
        if (slash >= 0)
        {
            s = s[..slash];
        }

        return s.ToLowerInvariant();
    }

    public static bool Same(string a, string b) => string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);
}
