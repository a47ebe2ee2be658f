namespace Tidemark.Tests.Doctor;

/// <summary>A temporary directory standing for "/" in the pruner scan's tests: files, links and directories written under it.</summary>
public sealed class FakeRoot : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("tidemark-root-").FullName;

    /// <summary>Where a rooted path ("/etc/crontab") is on this machine.</summary>
    public string Host(string path) => Root + path;

    public FakeRoot File(string path, string text, bool executable = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Host(path))!);
        System.IO.File.WriteAllText(Host(path), text);
        if (executable)
        {
            System.IO.File.SetUnixFileMode(Host(path), (UnixFileMode)0b111_101_101);
        }

        return this;
    }

    /// <summary>A symbolic link at <paramref name="path"/> whose target is written as given (absolute targets mean under the root).</summary>
    public FakeRoot Link(string path, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Host(path))!);
        System.IO.File.CreateSymbolicLink(Host(path), target);
        return this;
    }

    public FakeRoot Dir(string path)
    {
        Directory.CreateDirectory(Host(path));
        return this;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
