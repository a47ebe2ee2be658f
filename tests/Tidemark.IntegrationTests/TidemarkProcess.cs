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
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tidemark.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOCKER_HOST"] = dockerHost;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue("stderr: " + e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyList<string> Lines => _lines.ToArray();

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
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"did not stop within {timeout.TotalSeconds:0}s of SIGTERM; output:\n{Output}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
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
