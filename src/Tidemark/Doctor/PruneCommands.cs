namespace Tidemark.Cli.Doctor;

/// <summary>The Docker commands that remove what Tidemark keeps (or removes itself).</summary>
public enum PruneKind
{
    /// <summary><c>docker system prune</c>: with --all every unused image.</summary>
    SystemPrune,

    /// <summary><c>docker image prune</c>: dangling images, with --all every unused image.</summary>
    ImagePrune,

    /// <summary><c>docker rmi</c>, <c>docker image rm</c>/<c>remove</c>.</summary>
    ImageRemove,

    /// <summary><c>docker volume prune</c>: volumes' data, which Tidemark never touches.</summary>
    VolumePrune,

    /// <summary><c>docker container prune</c>: overlaps Tidemark's stage 1.</summary>
    ContainerPrune,

    /// <summary><c>docker builder prune</c> / <c>docker buildx prune</c>: overlaps Tidemark's stage 1.</summary>
    BuilderPrune,
}

/// <param name="All">--all (or -a in a bundle such as -af) was given.</param>
/// <param name="Volumes">--volumes was given (system prune also removes volumes then).</param>
public sealed record PruneCommand(PruneKind Kind, bool All, bool Volumes);

/// <summary>
/// Finds prune commands in simple commands (<see cref="ShellWords"/>): the command word must be
/// docker (any path to it), after wrappers (sudo, env, nice, ionice, timeout, flock, xargs,
/// nohup, …) and shell keywords; <c>sh -c '…'</c> is looked into. Anything else — echo, logger,
/// docker-compose, <c>docker ps</c> — is not a prune. Podman is not looked for: its store is not
/// the Docker daemon's.
/// </summary>
public static class PruneCommands
{
    private const int MaxDepth = 4;

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "time", "exec", "command", "builtin",
        "nohup", "setsid", "chronic", "ifne", "eatmydata", "--",
    };

    private static readonly HashSet<string> Shells = new(StringComparer.Ordinal) { "sh", "bash", "dash", "zsh", "ash", "ksh", "mksh", "busybox" };

    /// <summary>Prune commands in shell text.</summary>
    /// <param name="scripts">Collects absolute paths of programs the text runs that are not docker (scripts a caller may look into).</param>
    public static List<PruneCommand> Find(string text, ICollection<string>? scripts = null) => Find(ShellWords.Split(text), scripts);

    public static List<PruneCommand> Find(IEnumerable<IReadOnlyList<string>> commands, ICollection<string>? scripts = null)
    {
        List<PruneCommand> found = [];
        foreach (var words in commands)
        {
            Match(words, 0, 0, found, scripts);
        }

        return found;
    }

    private static void Match(IReadOnlyList<string> words, int start, int depth, List<PruneCommand> found, ICollection<string>? scripts)
    {
        var i = start;
        while (i < words.Count)
        {
            var word = words[i];
            if (Keywords.Contains(word) || IsAssignment(word))
            {
                i++;
                continue;
            }

            var name = word.Length > 1 ? Path.GetFileName(word.TrimEnd('/')) : word;
            switch (name)
            {
                case "docker":
                    if (Docker(words, i + 1) is { } prune)
                    {
                        found.Add(prune);
                    }

                    return;
                case "sudo" or "doas" or "runuser":
                    i = SkipOptions(words, i + 1, "u", "g", "h", "p", "C", "D", "r", "t", "U", "T",
                        "user", "group", "host", "prompt", "chdir", "close-from", "role", "type", "other-user", "command-timeout");
                    continue;
                case "env":
                    i = SkipOptions(words, i + 1, "u", "C", "S");
                    continue;
                case "nice":
                    i = SkipOptions(words, i + 1, "n");
                    continue;
                case "ionice":
                    i = SkipOptions(words, i + 1, "c", "n", "p", "P", "u");
                    continue;
                case "stdbuf":
                    i = SkipOptions(words, i + 1, "i", "o", "e");
                    continue;
                case "timeout":
                    i = SkipOptions(words, i + 1, "s", "k") + 1; // and the duration
                    continue;
                case "xargs":
                    i = SkipOptions(words, i + 1, "n", "I", "L", "P", "d", "E", "s", "a");
                    continue;
                case "flock":
                    {
                        var next = SkipOptions(words, i + 1, "w", "E", "c", "conflict-exit-code", "timeout");
                        if (FindOption(words, i + 1, next, "-c", "--command") is { } inline)
                        {
                            Nested(inline, depth, found, scripts);
                            return;
                        }

                        i = next + 1; // the lock file
                        if (i < words.Count && words[i] is "-c" or "--command" && i + 1 < words.Count)
                        {
                            Nested(words[i + 1], depth, found, scripts);
                            return;
                        }

                        continue;
                    }
                case "su":
                    {
                        if (FindOption(words, i + 1, words.Count, "-c", "--command") is { } inline)
                        {
                            Nested(inline, depth, found, scripts);
                        }

                        return;
                    }
            }

            if (Shells.Contains(name))
            {
                Shell(words, i + 1, depth, found, scripts);
                return;
            }

            if (word.StartsWith('/'))
            {
                scripts?.Add(word);
            }

            return;
        }
    }

    /// <summary>Text a command runs as shell (sh -c, su -c, flock -c), looked into a few levels deep.</summary>
    private static void Nested(string text, int depth, List<PruneCommand> found, ICollection<string>? scripts)
    {
        if (depth >= MaxDepth)
        {
            return;
        }

        foreach (var words in ShellWords.Split(text))
        {
            Match(words, 0, depth + 1, found, scripts);
        }
    }

    /// <summary>`sh -c 'TEXT'` is looked into; `sh /path/script` names a script.</summary>
    private static void Shell(IReadOnlyList<string> words, int i, int depth, List<PruneCommand> found, ICollection<string>? scripts)
    {
        var inline = false;
        for (; i < words.Count; i++)
        {
            var word = words[i];
            if (word == "--")
            {
                continue;
            }

            if (word.Length > 1 && word[0] is '-' or '+')
            {
                if (word[0] == '-' && !word.StartsWith("--", StringComparison.Ordinal) && word.Contains('c'))
                {
                    inline = true;
                }

                if (word is "-o" or "+o" or "-O" or "+O")
                {
                    i++;
                }

                continue;
            }

            if (inline)
            {
                Nested(word, depth, found, scripts);
            }
            else if (word.StartsWith('/'))
            {
                scripts?.Add(word);
            }

            return;
        }
    }

    private static PruneCommand? Docker(IReadOnlyList<string> words, int i)
    {
        // Global options before the command; these take a value.
        while (i < words.Count && words[i].StartsWith('-'))
        {
            i += words[i] is "-H" or "--host" or "-c" or "--context" or "--config" or "-l" or "--log-level"
                or "--tlscacert" or "--tlscert" or "--tlskey" ? 2 : 1;
        }

        if (i >= words.Count)
        {
            return null;
        }

        var command = words[i];
        var sub = i + 1 < words.Count ? words[i + 1] : "";
        PruneKind? kind = (command, sub) switch
        {
            ("system", "prune") => PruneKind.SystemPrune,
            ("image", "prune") => PruneKind.ImagePrune,
            ("image", "rm" or "remove" or "rmi") => PruneKind.ImageRemove,
            ("rmi", _) => PruneKind.ImageRemove,
            ("volume", "prune") => PruneKind.VolumePrune,
            ("container", "prune") => PruneKind.ContainerPrune,
            ("builder" or "buildx", "prune") => PruneKind.BuilderPrune,
            _ => null,
        };
        if (kind is not { } k)
        {
            return null;
        }

        var all = false;
        var volumes = false;
        for (var j = i + (command == "rmi" ? 1 : 2); j < words.Count; j++)
        {
            var flag = words[j];
            if (flag == "--")
            {
                break;
            }

            if (flag is "--all" or "--all=true" or "--all=1")
            {
                all = true;
            }
            else if (flag is "--volumes" or "--volumes=true" or "--volumes=1")
            {
                volumes = true;
            }
            else if (flag is "--filter" or "--keep-storage" or "--reserved-space" or "--max-used-space" or "--min-free-space")
            {
                j++;
            }
            else if (flag.Length > 1 && flag[0] == '-' && flag[1] != '-' && flag.Skip(1).All(char.IsAsciiLetter) && flag.Contains('a'))
            {
                all = true;
            }
        }

        return new PruneCommand(k, all, volumes);
    }

    /// <summary>Past a wrapper's options: <paramref name="withValue"/> take the next word unless attached.</summary>
    private static int SkipOptions(IReadOnlyList<string> words, int i, params string[] withValue)
    {
        while (i < words.Count)
        {
            var word = words[i];
            if (word == "--")
            {
                return i + 1;
            }

            if (IsAssignment(word))
            {
                i++;
                continue;
            }

            if (word.Length < 2 || word[0] != '-')
            {
                return i;
            }

            var option = word.TrimStart('-');
            i += !option.Contains('=') && withValue.Contains(option) ? 2 : 1;
        }

        return i;
    }

    private static string? FindOption(IReadOnlyList<string> words, int from, int to, params string[] names)
    {
        for (var i = from; i < Math.Min(to, words.Count) - 1; i++)
        {
            if (names.Contains(words[i]))
            {
                return words[i + 1];
            }
        }

        return null;
    }

    private static bool IsAssignment(string word)
    {
        var eq = word.IndexOf('=');
        if (eq <= 0 || !(char.IsAsciiLetter(word[0]) || word[0] == '_'))
        {
            return false;
        }

        for (var i = 1; i < eq; i++)
        {
            if (!(char.IsAsciiLetterOrDigit(word[i]) || word[i] == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
