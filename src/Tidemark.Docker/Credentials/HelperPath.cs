namespace Tidemark.Docker.Credentials;

/// <summary>
/// Finds docker-credential-NAME on a PATH, as the Docker CLI would, but only in absolute PATH
/// entries (an empty or relative entry would run whatever sits in the working directory) and
/// only for a plain NAME (no '/': a configured name must not reach outside the PATH).
/// </summary>
public static class HelperPath
{
    public const string Prefix = "docker-credential-";

    /// <summary>The PATH searched when the environment sets none (the usual system default).</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static string ProgramName(string helper) => Prefix + helper;

    /// <summary>A helper name Docker could run: letters, digits, '.', '_', '-', '+', not starting with '.' or '-'.</summary>
    public static bool IsValidName(string helper) =>
        helper.Length is > 0 and <= 128
        && helper[0] is not ('.' or '-')
        && helper.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+');

    /// <summary>The helper's full path, or null when no PATH directory holds it as an executable file.</summary>
    public static string? Find(string helper, string path)
    {
        if (!IsValidName(helper))
        {
            return null;
        }

        foreach (var dir in path.Split(':'))
        {
            if (dir.Length == 0 || dir[0] != '/')
            {
                continue;
            }

            var candidate = Path.Combine(dir, ProgramName(helper));
            try
            {
                if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & ExecuteBits) != 0)
                {
                    return candidate;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not searchable: the next entry may hold it.
            }
        }

        return null;
    }

    private const UnixFileMode ExecuteBits = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
}
