namespace Tidemark.Cli.Output;

/// <summary>
/// Where a command writes and what it may read from its environment. Tests pass their own; the
/// process passes the real console.
/// </summary>
public sealed record CliConsole(TextWriter Out, TextWriter Error, Func<string, string?> Environment, bool Colour)
{
    public static CliConsole FromProcess() => new(
        System.Console.Out,
        System.Console.Error,
        System.Environment.GetEnvironmentVariable,
        // Colour only for a person at a terminal: journald, pipes and NO_COLOR get plain text.
        !System.Console.IsOutputRedirected && System.Environment.GetEnvironmentVariable("NO_COLOR") is null
            && System.Environment.GetEnvironmentVariable("TERM") is not (null or "dumb"))
    {
        Live = !System.Console.IsErrorRedirected && System.Environment.GetEnvironmentVariable("TERM") is not (null or "dumb"),
    };

    /// <summary>stderr is a terminal that can redraw lines in place (a live pull display).</summary>
    public bool Live { get; init; }

    /// <summary>One line on stderr; the message may carry values from outside, so it is escaped.</summary>
    public void Fail(string message) => Error.WriteLine(Safe.Line($"tidemark: {message}"));
}
