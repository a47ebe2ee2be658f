using System.Diagnostics;
using System.Text.Json;

namespace Tidemark.SwarmTests;

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout.Trim() + (Stderr.Length > 0 ? "\n" + Stderr.Trim() : "");

    /// <summary>Standard output as one JSON document (tidemark plan/run --json).</summary>
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement.Clone();

    public JsonElement Gate(string name) => Json.GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("name").GetString() == name);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

public static class Processes
{
    /// <summary>Runs a program to its end (killed after <paramref name="timeout"/>), its output collected.</summary>
    public static ProcessResult Run(string file, IReadOnlyDictionary<string, string> env, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (key, value) in env)
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{file} {string.Join(' ', args)} still running after {timeout.TotalSeconds:0}s: {stdout.Result}{stderr.Result}");
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// The real tidemark CLI (tidemark.dll of this build, or TIDEMARK_DLL to run another build)
    /// against a node's daemon.
    /// </summary>
    public static ProcessResult Tidemark(Node node, params string[] args)
    {
        var dll = Environment.GetEnvironmentVariable("TIDEMARK_DLL") is { Length: > 0 } d ? d : Path.Combine(AppContext.BaseDirectory, "tidemark.dll");
        return Run("dotnet", new Dictionary<string, string> { ["DOCKER_HOST"] = node.Host }, TimeSpan.FromMinutes(2), [dll, .. args]);
    }
}
