using System.Text;
using System.Text.RegularExpressions;

namespace Tidemark.Cli.Doctor;

/// <summary>
/// Splits shell text (a cron command, a script line, a systemd Exec= value) into simple
/// commands, each a list of words, the way a reader would see them: quotes removed,
/// <c>;</c> <c>&amp;&amp;</c> <c>||</c> <c>|</c> <c>&amp;</c> <c>( )</c>, backticks and <c>$(</c>
/// start a new command, redirections and their targets are dropped, and a <c>#</c> that starts
/// a word starts a comment. Best effort, not a shell: no expansion, and text inside quotes stays
/// one word (so <c>echo "docker system prune"</c> is an echo, not a prune).
/// </summary>
public static partial class ShellWords
{
    /// <summary>
    /// A script's lines as the shell reads them, with the line each starts on: backslash
    /// continuations joined, comment lines and here-document bodies (text, not commands) left out.
    /// </summary>
    public static IEnumerable<(int Line, string Text)> LogicalLines(string script)
    {
        var lines = script.Split('\n');
        string? hereDocument = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (hereDocument is not null)
            {
                if (line.Trim() == hereDocument)
                {
                    hereDocument = null;
                }

                continue;
            }

            if (line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var start = i + 1;
            if (line.EndsWith('\\'))
            {
                // Joined in a builder: many continuation lines must not cost n² copies.
                var joined = new System.Text.StringBuilder(line);
                while (joined.Length > 0 && joined[^1] == '\\' && i + 1 < lines.Length)
                {
                    i++;
                    joined.Length--;
                    joined.Append(lines[i].TrimEnd('\r'));
                }

                line = joined.ToString();
            }

            if (HereDocument().Match(line) is { Success: true } match)
            {
                hereDocument = match.Groups["tag"].Value;
            }

            if (line.Trim().Length > 0)
            {
                yield return (start, line);
            }
        }
    }

    [GeneratedRegex("""(?<!<)<<-?(?!<)\s*(['"]?)(?<tag>[A-Za-z_][A-Za-z0-9_]*)\1""")]
    private static partial Regex HereDocument();

    public static List<List<string>> Split(string text)
    {
        List<List<string>> commands = [];
        List<string> words = [];
        StringBuilder word = new();
        var inWord = false;
        var dropNext = false;

        void EndWord()
        {
            if (!inWord)
            {
                return;
            }

            if (dropNext)
            {
                dropNext = false;
            }
            else
            {
                words.Add(word.ToString());
            }

            word.Clear();
            inWord = false;
        }

        void EndCommand()
        {
            EndWord();
            dropNext = false;
            if (words.Count > 0)
            {
                commands.Add(words);
                words = [];
            }
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case ' ' or '\t':
                    EndWord();
                    break;
                case '\n' or '\r':
                    EndCommand();
                    break;
                case '#' when !inWord:
                    var newline = text.IndexOf('\n', i);
                    i = newline < 0 ? text.Length : newline - 1;
                    break;
                case '\\':
                    if (i + 1 < text.Length)
                    {
                        if (text[i + 1] != '\n')
                        {
                            word.Append(text[i + 1]);
                            inWord = true;
                        }

                        i++;
                    }

                    break;
                case '\'':
                    var close = text.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        close = text.Length;
                    }

                    word.Append(text, i + 1, close - i - 1);
                    inWord = true;
                    i = close;
                    break;
                case '"':
                    i++;
                    while (i < text.Length && text[i] != '"')
                    {
                        if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`' or '\n')
                        {
                            if (text[i + 1] != '\n')
                            {
                                word.Append(text[i + 1]);
                            }

                            i += 2;
                            continue;
                        }

                        word.Append(text[i]);
                        i++;
                    }

                    inWord = true;
                    break;
                case '`':
                    EndCommand();
                    break;
                case '$' when i + 1 < text.Length && text[i + 1] == '(':
                    EndCommand();
                    i++;
                    break;
                case '&' when i + 1 < text.Length && text[i + 1] == '>':
                    // &> and &>> redirect both streams: the next word is their target.
                    EndWord();
                    while (i + 1 < text.Length && text[i + 1] == '>')
                    {
                        i++;
                    }

                    dropNext = true;
                    break;
                case ';' or '|' or '&' or '(' or ')':
                    EndCommand();
                    break;
                case '<' or '>':
                    // "2>" and "2>&1": the digits are the descriptor, not a word.
                    if (inWord && IsDigits(word))
                    {
                        word.Clear();
                        inWord = false;
                    }
                    else
                    {
                        EndWord();
                    }

                    while (i + 1 < text.Length && text[i + 1] is '<' or '>' or '&' or '|')
                    {
                        i++;
                    }

                    dropNext = true;
                    break;
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }

        EndCommand();
        return commands;
    }

    private static bool IsDigits(StringBuilder word)
    {
        for (var i = 0; i < word.Length; i++)
        {
            if (!char.IsAsciiDigit(word[i]))
            {
                return false;
            }
        }

        return word.Length > 0;
    }
}
