using System.CommandLine;
using System.CommandLine.Completions;

namespace Tidemark.Cli.Commands;

/// <summary>The visible command tree, as the man page and the completion scripts describe it.</summary>
public static class CommandTree
{
    /// <summary>Every visible command below <paramref name="root"/>, depth first, with its words after "tidemark".</summary>
    public static IEnumerable<(string Path, Command Command)> Walk(Command root, string path = "")
    {
        foreach (var sub in Subcommands(root))
        {
            var subPath = path.Length == 0 ? sub.Name : $"{path} {sub.Name}";
            yield return (subPath, sub);
            foreach (var below in Walk(sub, subPath))
            {
                yield return below;
            }
        }
    }

    public static IEnumerable<Command> Subcommands(Command command) => command.Subcommands.Where(c => !c.Hidden);

    /// <summary>The command's own visible options, then those it inherits (--help).</summary>
    public static IEnumerable<Option> Options(Command command, bool inherited)
    {
        var own = command.Options.Where(o => !o.Hidden);
        var fromAbove = command.Parents.OfType<Command>().SelectMany(p => Options(p, inherited: true)).Where(o => o.Recursive);
        return inherited ? own.Concat(fromAbove).DistinctBy(o => o.Name) : own;
    }

    /// <summary>The option's name, then its dash-led aliases (not "/?"), letters before symbols (-h before -?).</summary>
    public static IReadOnlyList<string> Names(Option option) =>
        [option.Name, .. option.Aliases.Where(a => a.StartsWith('-')).OrderBy(a => char.IsLetterOrDigit(a[^1]) ? 0 : 1).ThenBy(a => a, StringComparer.Ordinal)];

    /// <summary>False for a flag (a bool option, written without a value).</summary>
    public static bool TakesValue(Option option) => option.Arity.MaximumNumberOfValues > 0 && option.ValueType != typeof(bool);

    /// <summary>True when the option may be given more than once.</summary>
    public static bool Repeats(Option option) => option.Arity.MaximumNumberOfValues > 1;

    /// <summary>The fixed set of values the option takes (--log-format: text, journal, json), or none.</summary>
    public static IReadOnlyList<string> Values(Option option) =>
        TakesValue(option) ? [.. option.GetCompletions(CompletionContext.Empty).Select(c => c.Label)] : [];

    /// <summary>The placeholder for the option's value: its help name, its values, or its name.</summary>
    public static string ValueName(Option option) =>
        option.HelpName ?? (Values(option) is { Count: > 0 } values ? string.Join('|', values) : option.Name.TrimStart('-').ToUpperInvariant());

    /// <summary>The option's value is a file name (completed as one).</summary>
    public static bool TakesFile(Option option) => TakesValue(option) && option.HelpName is "FILE";

    /// <summary>The first sentence of a description (for a completion menu).</summary>
    public static string Summary(string? description)
    {
        var text = string.Join(' ', (description ?? "").Split((char[])['\r', '\n', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        var end = text.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).TrimEnd('.');
    }
}
