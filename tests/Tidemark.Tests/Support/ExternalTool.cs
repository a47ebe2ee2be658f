using System.Diagnostics;

namespace Tidemark.Tests.Support;

/// <summary>
/// The tools that read what Tidemark ships (systemd-analyze, promtool, nix-instantiate), run as
/// the packaging tests need them. scripts/test installs them; a missing one fails the test.
/// </summary>
public static class ExternalTool
{
    /// <param name="package">The Debian package that provides it, for the error.</param>
    public static (int Code, string Output) Run(string package, string file, params string[] args) => RunIn(null, package, file, args);

    public static (int Code, string Output) RunIn(string? directory, string package, string file, params string[] args)
    {
        ProcessStartInfo psi = new(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory ?? "" };
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"{file} is not installed: scripts/test installs it (Debian's {package} package)");
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }

    /// <summary>The repository's top directory, found from the test assembly upwards.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tidemark.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Tidemark.slnx not found above " + AppContext.BaseDirectory);
    }
}
