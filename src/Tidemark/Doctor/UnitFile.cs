namespace Tidemark.Cli.Doctor;

/// <summary>One setting of a systemd unit file: the line it starts on, its section, key and value.</summary>
public sealed record UnitSetting(int Line, string Section, string Key, string Value);

/// <summary>
/// Reads systemd unit files as systemd does, enough to see what a unit runs: sections, comments
/// (# and ;), and lines continued with a trailing backslash (comment lines inside a continuation
/// are skipped).
/// </summary>
public static class UnitFile
{
    public static List<UnitSetting> Parse(string text)
    {
        List<UnitSetting> settings = [];
        var lines = text.Split('\n');
        var section = "";
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[' && line.EndsWith(']'))
            {
                section = line[1..^1];
                continue;
            }

            var start = i + 1;
            // Joined in a builder: a hostile file of many continuation lines must not cost n² copies.
            var joined = new System.Text.StringBuilder(line);
            while (joined.Length > 0 && joined[^1] == '\\' && i + 1 < lines.Length)
            {
                joined.Length--;
                joined.Append(' ');
                i++;
                var next = lines[i].Trim();
                if (next.Length > 0 && next[0] is '#' or ';')
                {
                    joined.Append('\\');
                    continue;
                }

                joined.Append(next);
            }

            var logical = joined.ToString();

            var eq = logical.IndexOf('=');
            if (eq > 0)
            {
                settings.Add(new UnitSetting(start, section, logical[..eq].Trim(), logical[(eq + 1)..].Trim()));
            }
        }

        return settings;
    }

    /// <summary>ExecStart=, ExecStartPre=, ExecStop=, ExecReload=, ExecCondition= and their like.</summary>
    public static bool IsExec(string key) => key.StartsWith("Exec", StringComparison.Ordinal) && key.Length > 4 && char.IsAsciiLetterUpper(key[4]) && key != "ExecSearchPath";

    /// <summary>
    /// An Exec= value as simple commands: the special prefixes (- @ : + ! !!) dropped and, after
    /// '@', the argv[0] word that follows the program taken out.
    /// </summary>
    public static List<List<string>> Commands(string value)
    {
        var prefixes = 0;
        while (prefixes < value.Length && value[prefixes] is '-' or '@' or ':' or '+' or '!' or '|')
        {
            prefixes++;
        }

        var commands = ShellWords.Split(value[prefixes..]);
        if (value[..prefixes].Contains('@') && commands.Count > 0 && commands[0].Count > 1)
        {
            commands[0].RemoveAt(1);
        }

        return commands;
    }
}
