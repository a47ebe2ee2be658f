using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Tidemark.Cli.Platform;
using Tidemark.Core.Layers;

namespace Tidemark.Cli.Prepare;

/// <summary>
/// A prepare's claim on the room it made, held while its pulls run: the images it pulls with the
/// bytes each needs, the images it asked for that are here (by ID), and the layers its pulls reuse.
/// </summary>
public sealed record Reservation(int Pid, IReadOnlyList<(string Reference, long Bytes)> Images, IReadOnlyList<string> Ids, IReadOnlyList<LayerFact> Layers)
{
    public long Bytes => Images.Sum(i => i.Bytes);

    public string Owner => $"prepare PID {Pid.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// Reservations live as one file per prepare in <c>[lock] path</c> + <c>.pulls/</c>, each flocked
/// by its prepare for as long as its pulls run: the kernel drops the lock when the process ends,
/// so a crashed prepare's claim lapses by itself (the next reader deletes the file). A prepare
/// writes its own before it lets the next one in, and the next one counts every live claim as
/// still needed (some of it may already be on disk: counting it again can only make more room,
/// never too little), holds their images and the layers their pulls reuse, and never hands their
/// room out again.
/// </summary>
public static class Reservations
{
    private const int MaxBytes = 1 << 20;
    private const string Magic = "tidemark-prepare-reservation 1";

    public static string Directory(string lockPath) => lockPath + ".pulls";

    /// <summary>The live claims of other prepares; stale files are removed. Unreadable ones are skipped.</summary>
    public static IReadOnlyList<Reservation> ReadLive(string lockPath)
    {
        var dir = Directory(lockPath);
        var live = new List<Reservation>();
        string[] files;
        try
        {
            files = System.IO.Directory.Exists(dir) ? System.IO.Directory.GetFiles(dir) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return live;
        }

        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            if (Posix.KindOf(file) != FileKind.Regular)
            {
                continue;
            }

            var fd = Posix.OpenNoFollow(file, out _);
            if (fd < 0)
            {
                continue;
            }

            using var handle = new SafeFileHandle(fd, ownsHandle: true);
            if (Posix.TryLockExclusive(fd) == 0)
            {
                // Nobody holds it: its prepare ended (or crashed). Gone while still locked by us.
                TryDelete(file);
                continue;
            }

            // A prepare reads the claims before it writes its own: every held one is another's.
            if (Parse(Read(handle)) is { } reservation)
            {
                live.Add(reservation);
            }
        }

        return live;
    }

    /// <summary>Writes and locks this prepare's claim; disposing the result removes it.</summary>
    /// <returns>The held claim, or null when it could not be written (then the pulls still run, unclaimed, and the line says so).</returns>
    public static Claim? Write(string lockPath, Reservation reservation, out string? problem)
    {
        problem = null;
        var dir = Directory(lockPath);
        try
        {
            System.IO.Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot create {dir}: {e.Message}";
            return null;
        }

        var path = Path.Combine(dir, $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}"[..24]);
        var fd = Posix.OpenNoFollow(path, out var errno);
        if (fd < 0)
        {
            problem = $"cannot create {path}: {Posix.Describe(errno)}";
            return null;
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (Posix.TryLockExclusive(fd) is var locked && locked != 0)
        {
            handle.Dispose();
            problem = $"cannot lock {path}: {Posix.Describe(locked)}";
            return null;
        }

        try
        {
            RandomAccess.SetLength(handle, 0);
            RandomAccess.Write(handle, Encoding.UTF8.GetBytes(Format(reservation)), 0);
            RandomAccess.FlushToDisk(handle);
        }
        catch (IOException e)
        {
            TryDelete(path);
            handle.Dispose();
            problem = $"cannot write {path}: {e.Message}";
            return null;
        }

        return new Claim(path, handle);
    }

    public static string Format(Reservation r)
    {
        var text = new StringBuilder();
        text.Append(Magic).Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"pid {r.Pid}\n");
        foreach (var (reference, bytes) in r.Images)
        {
            text.Append(CultureInfo.InvariantCulture, $"image {bytes} {reference}\n");
        }

        foreach (var id in r.Ids)
        {
            text.Append(CultureInfo.InvariantCulture, $"id {id}\n");
        }

        foreach (var layer in r.Layers)
        {
            text.Append(CultureInfo.InvariantCulture, $"layer {layer.Size} {layer.ChainId}\n");
        }

        return text.ToString();
    }

    /// <summary>A claim as <see cref="Format"/> writes it; null for anything else (it is then not counted).</summary>
    public static Reservation? Parse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2 || lines[0] != Magic)
        {
            return null;
        }

        int? pid = null;
        var images = new List<(string, long)>();
        var ids = new List<string>();
        var layers = new List<LayerFact>();
        foreach (var line in lines.Skip(1))
        {
            var parts = line.Split(' ', 3);
            switch (parts[0])
            {
                case "pid" when parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var p):
                    pid = p;
                    break;
                case "image" when parts.Length == 3 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && parts[2].Length > 0:
                    images.Add((parts[2], bytes));
                    break;
                case "id" when parts.Length == 2 && parts[1].Length > 0:
                    ids.Add(parts[1]);
                    break;
                case "layer" when parts.Length == 3 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) && parts[2].Length > 0:
                    layers.Add(new LayerFact(parts[2], size));
                    break;
                default:
                    return null;
            }
        }

        return pid is { } owner ? new Reservation(owner, images, ids, layers) : null;
    }

    private static string? Read(SafeFileHandle handle)
    {
        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length is <= 0 or > MaxBytes)
            {
                return null;
            }

            var buffer = new byte[length];
            var n = RandomAccess.Read(handle, buffer, 0);
            return Encoding.UTF8.GetString(buffer, 0, n);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next reader; a file nobody locks is never counted.
        }
    }

    /// <summary>A written, locked claim: disposing removes the file, then drops the lock.</summary>
    public sealed class Claim(string path, SafeFileHandle handle) : IDisposable
    {
        public string Path { get; } = path;

        public void Dispose()
        {
            TryDelete(Path);
            handle.Dispose();
        }
    }
}
