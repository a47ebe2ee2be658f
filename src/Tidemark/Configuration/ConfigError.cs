namespace Tidemark.Cli.Configuration;

/// <summary>A config problem, located: file, line and key, and the offending value.</summary>
public sealed record ConfigError(string File, int? Line, string? Key, string Message)
{
    public override string ToString()
    {
        var where = Line is { } l ? $"{File}:{l}" : File;
        // A value error reads as the line it quotes: "[disk] high_watermark_percent = 140: must be …".
        return Key is null ? $"{where}: {Message}"
            : Message.StartsWith("= ", StringComparison.Ordinal) ? $"{where}: {Key} {Message}"
            : $"{where}: {Key}: {Message}";
    }
}
