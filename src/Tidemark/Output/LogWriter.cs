using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tidemark.Cli.Output;

/// <summary>How lines are written: plain text, journald's priority prefixes, or JSON Lines.</summary>
public enum LogFormat
{
    Text,
    Journal,
    Json,
}

/// <summary>syslog priorities, as journald reads them from a `&lt;N&gt;` prefix.</summary>
public enum LogLevel
{
    Error = 3,
    Warning = 4,
    Info = 6,
    Debug = 7,
}

/// <summary>
/// Every log line goes through here: warnings and errors to stderr, the rest to stdout, in the
/// chosen format. Under systemd (JOURNAL_STREAM set) lines carry their priority and no timestamp
/// (journald adds one); as text, watch mode stamps each line (RFC 3339); as JSON, each line is an
/// object with time, level and message. Debug lines show in text only with -v; journald and JSON
/// readers filter by level themselves.
/// </summary>
public sealed class LogWriter(CliConsole console, LogFormat format, bool verbose, bool timestamps, TimeProvider clock)
{
    private static readonly LogJsonContext Json = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public LogFormat Format => format;

    /// <summary>Why a line could not be written (a full disk, a closed pipe), or null: the command
    /// goes on (a run must not stop half-way because its log cannot be written) and exits 74.</summary>
    public string? Broken { get; private set; }

    /// <summary>--log-format, else journal under systemd, else text.</summary>
    public static LogFormat Resolve(string? flag, CliConsole console) => flag switch
    {
        "text" => LogFormat.Text,
        "journal" => LogFormat.Journal,
        "json" => LogFormat.Json,
        _ => string.IsNullOrEmpty(console.Environment("JOURNAL_STREAM")) ? LogFormat.Text : LogFormat.Journal,
    };

    public bool Shows(LogLevel level) => level != LogLevel.Debug || verbose || format != LogFormat.Text;

    /// <param name="line">Already safe to print (<see cref="Safe.Line"/>).</param>
    /// <param name="stderr">Keep stdout for a JSON document: this line is a diagnostic whatever its level.</param>
    public void Write(LogLevel level, string line, bool stderr = false)
    {
        if (!Shows(level))
        {
            return;
        }

        var writer = stderr || level <= LogLevel.Warning ? console.Error : console.Out;
        Emit(writer, format switch
        {
            LogFormat.Journal => $"<{(int)level}>{line}",
            LogFormat.Json => JsonSerializer.Serialize(new LogLine(Now(), Name(level), line), Json.LogLine),
            _ => timestamps ? $"{Now()} {line}" : line,
        });
    }

    /// <summary>Writes a line, remembering rather than throwing when the stream refuses it.</summary>
    public void Emit(TextWriter writer, string text)
    {
        try
        {
            writer.WriteLine(text);
            writer.Flush();
        }
        catch (IOException e)
        {
            Broken ??= e.Message;
        }
    }

    public void Info(string line) => Write(LogLevel.Info, line);

    public void Warning(string line) => Write(LogLevel.Warning, line);

    public void Error(string line) => Write(LogLevel.Error, line);

    private string Now() => clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Error => "error",
        LogLevel.Warning => "warning",
        LogLevel.Debug => "debug",
        _ => "info",
    };
}

public sealed record LogLine(string Time, string Level, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LogLine))]
public sealed partial class LogJsonContext : JsonSerializerContext
{
}
