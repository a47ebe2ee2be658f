using System.CommandLine;
using System.Text.RegularExpressions;

namespace Tidemark.Cli;

/// <summary>
/// Parse errors in an operator's words: an unknown command named with the nearest one, and no
/// .NET type name ("as expected type 'System.Int32'") ever reaching the terminal.
/// </summary>
public static partial class CommandLineErrors
{
    /// <summary>The first word that names no subcommand where one is expected, with a suggestion; or null.</summary>
    public static string? UnknownCommand(Command root, IReadOnlyList<string> args)
    {
        var command = root;
        foreach (var arg in args)
        {
            if (arg.StartsWith('-') || command.Subcommands.Count == 0)
            {
                return null;
            }

            var next = command.Subcommands.FirstOrDefault(c => c.Name == arg || c.Aliases.Contains(arg));
            if (next is null)
            {
                var path = command == root ? "" : $"{Path(root, command)} ";
                var nearest = command.Subcommands.Select(c => c.Name).MinBy(n => Distance(n, arg))!;
                var suggestion = Distance(nearest, arg) <= Math.Max(2, arg.Length / 2) ? $"; did you mean '{path}{nearest}'?" : "";
                var known = string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name));
                return $"unknown command '{path}{arg}'{suggestion} (commands: {known})";
            }

            command = next;
        }

        return null;
    }

    /// <summary>A parse error without .NET type names.</summary>
    public static string Friendly(string message)
    {
        // One line: System.CommandLine lists allowed values on new lines ("Must be one of:\n\t'text'").
        var text = ExpectedType().Replace(message, m => $"as {TypeWords(m.Groups[1].Value)}");
        text = string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        // Anything else that still names a .NET type: say what is wrong without it.
        return text.Contains("System.", StringComparison.Ordinal) ? DotNetType().Replace(text, "a value of the right kind") : text;
    }

    private static string TypeWords(string type) => type switch
    {
        "System.Int32" or "System.Int64" or "System.UInt32" or "System.UInt64" => "a whole number",
        "System.Double" or "System.Decimal" or "System.Single" => "a number",
        "System.Boolean" => "true or false",
        "System.TimeSpan" => "a duration",
        "System.DateTimeOffset" or "System.DateTime" => "a date and time",
        _ => "a value of the right kind",
    };

    private static string Path(Command root, Command command)
    {
        var names = new List<string>();
        for (var c = command; c is not null && c != root; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Add(c.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }

        return d[a.Length, b.Length];
    }

    [GeneratedRegex(@"as expected type '([\w.`\[\]]+)'")]
    private static partial Regex ExpectedType();

    [GeneratedRegex(@"'?System\.[\w.`\[\], ]+'?")]
    private static partial Regex DotNetType();
}
