namespace Tidemark.Cli.Probe;

/// <summary>TEMPORARY until the registry reference parser lands: the registry and a tagged reference.</summary>
public static class ProbeTargets
{
    public static (ProbeTarget? Target, string? Error) Parse(string input, string? indexServer)
    {
        var text = input.Trim();
        if (text.Length == 0 || text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return (null, $"'{input}' is not an image reference");
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? "" : text[..slash];
        var hasRegistry = first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost";
        var last = text[(text.LastIndexOf('/') + 1)..];
        var reference = last.Contains(':', StringComparison.Ordinal) || last.Contains('@', StringComparison.Ordinal) ? text : text + ":latest";
        var registry = hasRegistry ? first : Host(indexServer);
        return (new ProbeTarget(reference, registry, !hasRegistry), null);
    }

    private static string Host(string? indexServer) =>
        Uri.TryCreate(indexServer, UriKind.Absolute, out var uri) ? uri.Authority : indexServer ?? "the default registry";
}
