using System.Security.Cryptography;

namespace Tidemark.Cli.Metrics;

/// <summary>
/// The node_exporter textfile-collector file: written whole to a temporary file beside it, then
/// renamed, so the collector never reads half of one. Readable by the collector's user (0644)
/// whatever the unit's umask.
/// </summary>
public static class MetricsFile
{
    public static string? Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <returns>An error message, or null when written.</returns>
    public static string? Write(string path, string text)
    {
        var temp = "";
        try
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            // Made as the ledger's is, but readable: the collector runs as another user.
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            };
            using (var stream = new FileStream(temp, options))
            {
                File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                using var writer = new StreamWriter(stream);
                writer.Write(text);
            }

            File.Move(temp, path, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            try
            {
                if (temp.Length > 0)
                {
                    File.Delete(temp);
                }
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // A stale temp file is harmless: names are random and never reused.
            }

            // The temporary file's name means nothing to the operator: name the file itself.
            var reason = temp.Length > 0 ? e.Message.Replace(temp, path, StringComparison.Ordinal) : e.Message;
            return $"could not write the metrics file {path}: {reason}";
        }
    }
}
