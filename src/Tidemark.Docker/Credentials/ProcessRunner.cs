using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Tidemark.Docker.Credentials;

/// <summary>One program to run: no shell, arguments passed as they are, input written to stdin and closed.</summary>
public sealed record ProcessRequest(string FileName, IReadOnlyList<string> Arguments, string? Input, TimeSpan Timeout, int MaxOutputBytes = 1024 * 1024);

public enum ProcessEnd
{
    Exited,
    TimedOut,
    /// <summary>It wrote more than <see cref="ProcessRequest.MaxOutputBytes"/>: it was killed.</summary>
    OutputTooLarge,
    CouldNotStart,
}

/// <summary>
/// How a program ended and what it printed. A credential helper's output holds a secret, so
/// ToString shows only lengths.
/// </summary>
/// <param name="StartError">Why it could not be started (<see cref="ProcessEnd.CouldNotStart"/>).</param>
public sealed record ProcessOutcome(ProcessEnd End, int ExitCode, string Output, string Error, string? StartError = null)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("End = ").Append(End)
            .Append(", ExitCode = ").Append(ExitCode)
            .Append(", Output = (").Append(Output.Length).Append(" chars)")
            .Append(", Error = (").Append(Error.Length).Append(" chars)")
            .Append(", StartError = ").Append(StartError);
        return true;
    }
}

/// <summary>Runs programs: the seam where tests could substitute, though they run real (fake) helper scripts.</summary>
public interface IProcessRunner
{
    Task<ProcessOutcome> RunAsync(ProcessRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Runs a real process with a timeout and bounded output: past the timeout, or past the output
/// bound, the process and its children are killed.
/// </summary>
public sealed class ProcessRunner : IProcessRunner
{
    private const int MaxErrorBytes = 64 * 1024;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    public async Task<ProcessOutcome> RunAsync(ProcessRequest request, CancellationToken cancellationToken)
    {
        ProcessStartInfo info = new(request.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in request.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new ProcessOutcome(ProcessEnd.CouldNotStart, -1, "", "", e.Message);
        }

        var timedOut = false;
        var tooLarge = false;
        void Kill()
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It has exited already.
            }
            catch (Win32Exception)
            {
                // Gone, or not ours to kill: the pipes closing ends the reads either way.
            }
        }

        using var timer = new CancellationTokenSource(request.Timeout);
        using var onTimeout = timer.Token.Register(() =>
        {
            timedOut = true;
            Kill();
        });
        using var onCancel = cancellationToken.Register(Kill);

        var output = ReadBoundedAsync(process.StandardOutput.BaseStream, request.MaxOutputBytes, () =>
        {
            tooLarge = true;
            Kill();
        });
        var error = ReadBoundedAsync(process.StandardError.BaseStream, MaxErrorBytes, () =>
        {
            tooLarge = true;
            Kill();
        });

        try
        {
            if (request.Input is { } input)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), CancellationToken.None);
                await process.StandardInput.FlushAsync(CancellationToken.None);
            }

            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // It exited (or closed stdin) without reading: what it printed says the rest.
        }

        byte[] stdout, stderr;
        try
        {
            // Killing closes the pipes, so this ends by the timeout; the grace covers a child
            // that escaped the kill while holding a pipe open.
            await Task.WhenAll(output, error).WaitAsync(request.Timeout + Grace, CancellationToken.None);
            stdout = output.Result;
            stderr = error.Result;
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(Grace, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            Kill();
            cancellationToken.ThrowIfCancellationRequested();
            return new ProcessOutcome(ProcessEnd.TimedOut, -1, "", "");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (tooLarge)
        {
            return new ProcessOutcome(ProcessEnd.OutputTooLarge, -1, "", "");
        }

        if (timedOut)
        {
            return new ProcessOutcome(ProcessEnd.TimedOut, -1, "", "");
        }

        return new ProcessOutcome(ProcessEnd.Exited, process.ExitCode, Decode(stdout), Decode(stderr));
    }

    private static string Decode(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private static async Task<byte[]> ReadBoundedAsync(Stream stream, int max, Action overflow)
    {
        var buffer = new byte[16 * 1024];
        using var content = new MemoryStream();
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, CancellationToken.None);
            }
            catch (IOException)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            if (content.Length + read > max)
            {
                overflow();
                // Drain what is left so the writer is not blocked before the kill lands.
                continue;
            }

            content.Write(buffer, 0, read);
        }

        return content.ToArray();
    }
}
