namespace Tidemark.Cli.Configuration;

/// <summary>A config problem, located: file, line and key, and the offending value.</summary>
public sealed record ConfigError(string File, int? Line, string? Key, string Message)
{
    public override string ToString()
    {
        var where = Line is { } l ? $"{File}:{l}" : File;
        return Key is null ? $"{where}: {Message}" : $"{where}: {Key}: {Message}";
    }
}
