using System.Text;

namespace Tidemark.Tests.Doctor;

/// <summary>
/// A temporary Docker client home for credential tests: a config.json and fake credential
/// helpers (real `#!/bin/sh` scripts, executable, in a bin directory that is the PATH passed to
/// the code under test). Nothing outside the temporary directory is read or written.
/// </summary>
public sealed class FakeDockerClient : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("tidemark-creds-").FullName;

    public string Bin => Path.Combine(Dir, "bin");

    public string ConfigDir => Path.Combine(Dir, "docker");

    public string ConfigPath => Path.Combine(ConfigDir, "config.json");

    public FakeDockerClient()
    {
        Directory.CreateDirectory(Bin);
        Directory.CreateDirectory(ConfigDir);
    }

    /// <summary>DOCKER_CONFIG is the temp config directory, PATH the temp bin directory, HOME the temp directory.</summary>
    public Func<string, string?> Environment => name => name switch
    {
        "DOCKER_CONFIG" => ConfigDir,
        "PATH" => Bin,
        "HOME" => Dir,
        _ => null,
    };

    public FakeDockerClient Config(string json)
    {
        File.WriteAllText(ConfigPath, json);
        return this;
    }

    /// <summary>A helper whose `list` prints <paramref name="list"/> and whose `get` prints what <paramref name="get"/> gives for the server read on stdin.</summary>
    public FakeDockerClient Helper(string name, string list, string get = "echo 'credentials not found in native keychain'; exit 1")
    {
        var script = new StringBuilder()
            .Append("#!/bin/sh\n")
            .Append("case \"$1\" in\n")
            .Append("list)\n").Append(list).Append("\n;;\n")
            .Append("get)\nserver=$(cat)\n").Append(get).Append("\n;;\n")
            .Append("*) echo unknown verb; exit 2 ;;\n")
            .Append("esac\n")
            .ToString();
        return Script(name, script);
    }

    public FakeDockerClient Script(string name, string script)
    {
        var file = Path.Combine(Bin, "docker-credential-" + name);
        File.WriteAllText(file, script);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        return this;
    }

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
