using System.Text;
using SharpFuzz;
using Tidemark.Cli.Configuration;
using Tidemark.Cli.Output;
using Tidemark.Cli.State;
using Tidemark.Simulation.Traces;

namespace Tidemark.Fuzz;

/// <summary>
/// Coverage-guided fuzzing of the three parsers that read files (issue 7), driven by afl-fuzz
/// through SharpFuzz: `scripts/fuzz` builds this, instruments the assemblies and runs it. Any
/// exception out of a parser, or a rejection that is not one line naming its place, is thrown
/// out of the action, which SharpFuzz reports to afl-fuzz as a crash: in the CLI either would
/// be exit 70 or an unusable message. Outside afl-fuzz it runs the target once on stdin, which
/// is how a crash is replayed.
/// </summary>
public static class Program
{
    private const string ConfigFile = "fuzz.toml";

    /// <summary>Fixed, so that a crash replays the same way whenever it is run.</summary>
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);

    public static int Main(string[] args)
    {
        Action<byte[]>? target = args.Length == 1 ? args[0] switch
        {
            "config" => Config,
            "ledger" => Ledger,
            "trace" => Trace,
            _ => null,
        } : null;
        if (target is null)
        {
            Console.Error.WriteLine("usage: Tidemark.Fuzz config|ledger|trace  (the input on stdin)");
            return 64;
        }

        // Out of process: a stack overflow or a hang kills only the child, which SharpFuzz
        // restarts, so afl-fuzz records it instead of losing its fork server.
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            target(memory.ToArray());
        });
        return 0;
    }

    private static void Config(byte[] bytes)
    {
        // The loader refuses invalid UTF-8 before parsing; decoding it to U+FFFD instead still
        // gives only strings a valid file could hold, and lets afl's byte mutations reach the parser.
        var text = Encoding.UTF8.GetString(bytes);
        var (settings, error) = ConfigLoader.Parse(text.StartsWith('\uFEFF') ? text[1..] : text, ConfigFile);
        Require(settings is null != (error is null), "config: both or neither of settings and error");
        if (error is not null)
        {
            Require(error.File == ConfigFile, $"config: the error names {error.File}, not the file");
            OneLine($"config error: {error}");
        }
    }

    private static void Ledger(byte[] bytes)
    {
        var (ledger, clamped, problem) = LedgerStore.Parse(bytes, Now);
        Require(ledger is null != (problem is null), "ledger: both or neither of ledger and problem");
        Require(clamped >= 0, "ledger: a negative count of clamped times");
        if (problem is not null)
        {
            // The place (the ledger's path) is added by the caller; the reason must stand on one line.
            OneLine($"usage ledger /var/lib/tidemark/ledger.json is unusable: {problem}");
        }
    }

    private static void Trace(byte[] bytes)
    {
        // As File.ReadLines reads a trace: BOM detected, \n, \r\n and \r all end a line.
        var lines = new List<string>();
        using (var reader = new StreamReader(new MemoryStream(bytes), Encoding.UTF8))
        {
            while (reader.ReadLine() is { } line)
            {
                lines.Add(line);
            }
        }

        var (trace, error) = TraceFormat.Parse(lines);
        Require(trace is null != (error is null), "trace: both or neither of trace and error");
        if (error is not null)
        {
            Require(error.Line >= 1 && error.Line <= lines.Count, $"trace: the error names line {error.Line} of {lines.Count}");
            OneLine($"trace error: fuzz.jsonl: {error}");
        }
    }

    /// <summary>As the CLI prints a failure: every value escaped, so one line whatever the input held.</summary>
    private static void OneLine(string message)
    {
        var printed = Safe.Line($"tidemark: {message}");
        Require(printed.IndexOfAny(['\n', '\r']) < 0, $"not one line: {printed}");
        Require(printed.Length > "tidemark: ".Length && !string.IsNullOrWhiteSpace(message), "an empty message");
    }

    private static void Require(bool holds, string what)
    {
        if (!holds)
        {
            throw new InvalidOperationException("fuzz invariant broken: " + what);
        }
    }
}
