using System.CommandLine;
using Tidemark.Cli.Commands.Options;
using Tidemark.Cli.Output;
using Tidemark.Cli.Pipeline;
using Tidemark.Cli.State;
using Tidemark.Simulation.Traces;

namespace Tidemark.Cli.Commands.Simulate;

/// <summary>
/// A trace from the usage ledger, without a daemon: each image's recent container creations as
/// use lines (with its cached layers), ticks every 5 minutes. It is what the ledger remembers —
/// the last 16 uses per image, no runs, no pulls of images since removed — so a recording made
/// with `watch --record` is the better trace; this one is there when none was made.
/// </summary>
public static class FromLedgerCommand
{
    public static Command Create(CliConsole console)
    {
        var config = new ConfigOptions();
        var output = new Option<string?>("--out", "-o") { Description = "Write the trace here (default: standard output)", HelpName = "FILE" };
        var command = new Command("from-ledger", "Export the usage ledger's history as a trace (approximate; prefer `tidemark watch --record`).");
        config.AddTo(command);
        command.Options.Add(output);
        command.SetAction(result =>
        {
            var (loaded, failure) = Session.LoadSettings(console, config.Read(result));
            if (failure is not null)
            {
                console.Fail(failure.Message);
                return failure.ExitCode;
            }

            var path = loaded!.Settings.Ledger.Path;
            if (!File.Exists(path))
            {
                console.Fail($"no usage ledger at {path}");
                return ExitCodes.NoInput;
            }

            // An export only reads: an unusable ledger stays where it is.
            var load = LedgerStore.Load(path, DateTimeOffset.UtcNow, setAside: false);
            if (load.Error is not null)
            {
                console.Fail(load.Error);
                return ExitCodes.IoError;
            }

            if (!load.Readable)
            {
                console.Fail(load.Warnings[0]);
                return ExitCodes.DataError;
            }

            var uses = new List<TraceEvent>();
            var skipped = 0;
            foreach (var (id, entry) in load.Ledger.Entries)
            {
                if (entry.Layers is not { Count: > 0 } layers)
                {
                    skipped++;
                    continue;
                }

                var image = new TraceImage(id, entry.References.LastOrDefault() ?? id, entry.FirstSeen,
                    layers.Select(l => new TraceLayer(l.ChainId, l.Size, l.Size)).ToList());
                uses.AddRange(entry.RecentUses.Select(t => new TraceEvent(t, TraceKind.Use, image)));
            }

            var events = uses.OrderBy(e => e.Time).ToList();
            if (events.Count > 0)
            {
                for (var t = events[0].Time; t <= events[^1].Time; t += TraceRecorder.TickEvery)
                {
                    events.Add(new TraceEvent(t, TraceKind.Tick));
                }
            }

            var file = result.GetValue(output);
            var (writer, cannotWrite) = file is null ? (null, null) : OutFile.Open("--out", file);
            if (cannotWrite is not null)
            {
                console.Fail(cannotWrite.Message);
                return cannotWrite.ExitCode;
            }

            using var _ = writer;
            var w = writer ?? console.Out;
            w.WriteLine(TraceFormat.FormatMeta(null, $"exported from the usage ledger {path}"));
            var described = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in events.OrderBy(e => e.Time).ThenBy(e => e.Kind == TraceKind.Tick ? 0 : 1))
            {
                w.WriteLine(TraceFormat.Format(e, described));
            }

            console.Error.WriteLine($"tidemark: exported {uses.Count} uses of {load.Ledger.Entries.Count - skipped} images" +
                (skipped > 0 ? $"; {skipped} images without cached layers left out" : "") + "; replay with --disk SIZE");
            return ExitCodes.Ok;
        });
        return command;
    }
}
