using System.Collections.Concurrent;
using System.Diagnostics;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>The tidemark CLI as a real process (for watch mode and signals), its output collected line by line.</summary>
public sealed class TidemarkProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    public TidemarkProcess(string dockerHost, params string[] args)
        : this(dockerHost, new Dictionary<string, string>(), args)
    {
    }

    /// <summary>TIDEMARK_DLL runs the tests against another build (say, the one before a fix, to see a test fail).</summary>
    public TidemarkProcess(string dockerHost, IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Environment.GetEnvironmentVariable("TIDEMARK_DLL") is { Length: > 0 } dll ? dll : Path.Combine(AppContext.BaseDirectory, "tidemark.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOCKER_HOST"] = dockerHost;
        foreach (var (key, value) in env)
        {
            psi.Environment[key] = value;
        }

        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue("stderr: " + e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyList<string> Lines => _lines.ToArray();

    /// <summary>Standard output only, in order.</summary>
    public string Stdout => string.Join('\n', _lines.Where(l => !l.StartsWith("stderr: ", StringComparison.Ordinal)));

    /// <summary>Standard error only, in order.</summary>
    public IReadOnlyList<string> Stderr => [.. _lines.Where(l => l.StartsWith("stderr: ", StringComparison.Ordinal)).Select(l => l["stderr: ".Length..])];

    public bool HasExited => _process.HasExited;

    /// <summary>Sends a signal by name (TERM, INT, …).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Waits for the process to end and for all its output; returns the exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"still running after {timeout.TotalSeconds:0}s; output:\n{Output}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public string Output => string.Join('\n', _lines);

    public int Pid => _process.Id;

    /// <summary>Waits for a line containing <paramref name="text"/>; fails with the output so far.</summary>
    public void WaitFor(string text, TimeSpan timeout)
    {
        try
        {
            FixtureDocker.WaitUntil(() => _lines.Any(l => l.Contains(text, StringComparison.Ordinal)) || _process.HasExited, timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no line with '{text}' within {timeout.TotalSeconds:0}s; output:\n{Output}");
        }

        if (!_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"exited {_process.ExitCode} before '{text}'; output:\n{Output}");
        }
    }

    /// <summary>SIGTERM, as systemd stops a service; returns the exit code.</summary>
    public int Terminate(TimeSpan timeout)
    {
        Signal("TERM");
        return WaitForExit(timeout);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
