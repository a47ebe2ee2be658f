using Tidemark.Cli.Platform;

namespace Tidemark.Cli.Doctor;

/// <summary>
/// Read-only access to files under a root ("/" on a host, a temporary directory in tests), with
/// paths written as the host sees them ("/etc/cron.d/x"). Symbolic links are followed inside the
/// root: an absolute target ("/nix/store/…", as NixOS links units) is taken under the root, so a
/// scan of a test root never reads the machine's own files. Only regular files are read, and
/// only up to <see cref="MaxFileBytes"/>.
/// </summary>
public sealed class RootedFiles
{
    public const long MaxFileBytes = 1024 * 1024;
    public const int MaxEntries = 10_000;
    private const int MaxLinks = 40;

    private readonly string _root;

    public RootedFiles(string root)
    {
        _root = root == "/" ? "" : root.TrimEnd('/');
    }

    /// <summary>Where a rooted path ("/etc/crontab") is on this machine.</summary>
    public string Host(string path) => _root + path;

    /// <summary>
    /// The path with every symbolic link on it resolved inside the root; null when the links
    /// loop. A path that does not exist is returned as far as it was resolved.
    /// </summary>
    public string? Resolve(string path)
    {
        List<string> resolved = [];
        var pending = new Stack<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var links = 0;
        var missing = false;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            resolved.Add(part);
            if (missing)
            {
                continue;
            }

            string? target;
            try
            {
                target = new FileInfo(Host("/" + string.Join('/', resolved))).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone (or not searchable): what follows is kept as written.
                missing = true;
                continue;
            }

            if (target is null)
            {
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            resolved.RemoveAt(resolved.Count - 1);
            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }

            foreach (var t in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(t);
            }
        }

        return "/" + string.Join('/', resolved);
    }

    /// <summary>What a resolved path names, or null when nothing is there.</summary>
    internal FileKind? KindOf(string resolved) => Posix.KindOf(Host(resolved));

    /// <summary>The names in a directory (resolved path), sorted, at most <see cref="MaxEntries"/>.</summary>
    /// <exception cref="IOException">It cannot be listed.</exception>
    /// <exception cref="UnauthorizedAccessException">It cannot be listed.</exception>
    public (List<string> Names, bool Truncated) List(string resolvedDirectory)
    {
        List<string> names = [];
        foreach (var entry in Directory.EnumerateFileSystemEntries(Host(resolvedDirectory)))
        {
            if (names.Count == MaxEntries)
            {
                names.Sort(StringComparer.Ordinal);
                return (names, true);
            }

            names.Add(Path.GetFileName(entry));
        }

        names.Sort(StringComparer.Ordinal);
        return (names, false);
    }

    /// <summary>The size of a resolved regular file.</summary>
    public long Length(string resolved) => new FileInfo(Host(resolved)).Length;

    /// <summary>A resolved regular file's text (the caller has checked its kind and size).</summary>
    public string ReadText(string resolved) => File.ReadAllText(Host(resolved));

    /// <summary>Whether a resolved regular file starts with "#!" (a script, not a binary).</summary>
    public bool IsScript(string resolved)
    {
        try
        {
            using var stream = new FileStream(Host(resolved), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            Span<byte> start = stackalloc byte[2];
            return stream.ReadAtLeast(start, 2, throwOnEndOfStream: false) == 2 && start[0] == '#' && start[1] == '!';
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether any execute bit is set on a resolved file.</summary>
    public bool IsExecutable(string resolved)
    {
        try
        {
            return (File.GetUnixFileMode(Host(resolved)) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
