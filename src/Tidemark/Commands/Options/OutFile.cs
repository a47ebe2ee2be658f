using Tidemark.Cli.Pipeline;

namespace Tidemark.Cli.Commands.Options;

/// <summary>A file a command writes (--out, --record): a bad path is a one-line answer, not an exception.</summary>
public static class OutFile
{
    /// <returns>The writer, or why there is none (64 for an empty name, 74 when it cannot be created).</returns>
    public static (StreamWriter? Writer, CommandFailure? Failure) Open(string option, string path)
    {
        if (path.Length == 0 || path.Any(c => c < 0x20))
        {
            return (null, new CommandFailure(ExitCodes.Usage, $"{option} needs a file name"));
        }

        try
        {
            return (new StreamWriter(path, append: false), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return (null, new CommandFailure(ExitCodes.IoError, $"cannot write {path}: {e.Message}"));
        }
    }
}
