namespace Tidemark.Cli.Doctor;

public enum CronFormat
{
    /// <summary>/etc/crontab and /etc/cron.d: five time fields (or @daily…), a user, the command.</summary>
    System,

    /// <summary>A user's crontab: five time fields (or @daily…), the command.</summary>
    User,

    /// <summary>/etc/anacrontab: period, delay, job identifier, the command.</summary>
    Anacron,
}

/// <summary>A cron entry: its schedule as written and the command it runs.</summary>
public sealed record CronEntry(string Schedule, string Command);

/// <summary>Reads cron table lines: comments, blank lines and environment settings are not entries.</summary>
public static class CronTable
{
    public static CronEntry? Parse(string line, CronFormat format)
    {
        var text = line.Trim();
        if (text.Length == 0 || text[0] == '#' || IsEnvironment(text))
        {
            return null;
        }

        var timeFields = format switch
        {
            CronFormat.Anacron => 3,
            _ when text[0] == '@' => 1,
            _ => 5,
        };
        var fields = timeFields + (format == CronFormat.System ? 1 : 0);
        var pos = 0;
        List<string> schedule = [];
        for (var f = 0; f < fields; f++)
        {
            while (pos < text.Length && char.IsWhiteSpace(text[pos]))
            {
                pos++;
            }

            var begin = pos;
            while (pos < text.Length && !char.IsWhiteSpace(text[pos]))
            {
                pos++;
            }

            if (begin == pos)
            {
                return null;
            }

            if (f < timeFields)
            {
                schedule.Add(text[begin..pos]);
            }
        }

        var command = text[pos..].Trim();
        return command.Length == 0 ? null : new CronEntry(string.Join(' ', schedule), Unpercent(command));
    }

    /// <summary>cron turns an unescaped % into a newline and feeds what follows as stdin: only what precedes it runs.</summary>
    private static string Unpercent(string command)
    {
        for (var i = 0; i < command.Length; i++)
        {
            if (command[i] == '%' && (i == 0 || command[i - 1] != '\\'))
            {
                command = command[..i];
                break;
            }
        }

        return command.Replace("\\%", "%", StringComparison.Ordinal);
    }

    private static bool IsEnvironment(string text)
    {
        var eq = text.IndexOf('=');
        if (eq <= 0)
        {
            return false;
        }

        var name = text[..eq].TrimEnd();
        return name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }
}
