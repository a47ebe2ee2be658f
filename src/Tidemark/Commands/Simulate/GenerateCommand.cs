using System.CommandLine;
using Tidemark.Cli.Commands.Options;
using Tidemark.Cli.Output;
using Tidemark.Simulation.Generation;
using Tidemark.Simulation.Traces;

namespace Tidemark.Cli.Commands.Simulate;

public static class GenerateCommand
{
    public static Command Create(CliConsole console)
    {
        var preset = new Option<string>("--preset")
        {
            Description = $"Preset ({string.Join(", ", Presets.All.Select(p => p.Name))}; `tidemark simulate presets` lists them)",
            Required = true,
            HelpName = "NAME",
        };
        preset.AcceptOnlyFromAmong([.. Presets.All.Select(p => p.Name)]);
        var seed = new Option<int>("--seed") { Description = "Seed: the same preset and seed give the same trace", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out", "-o") { Description = "Write the trace here (default: standard output)", HelpName = "FILE" };
        var command = new Command("generate", "Generate a reproducible synthetic CI-host trace (JSON Lines).");
        command.Options.Add(preset);
        command.Options.Add(seed);
        command.Options.Add(output);
        command.SetAction(result =>
        {
            var path = result.GetValue(output);
            var (writer, failure) = path is null ? (null, null) : OutFile.Open("--out", path);
            if (failure is not null)
            {
                console.Fail(failure.Message);
                return failure.ExitCode;
            }

            using var _ = writer;
            var trace = TraceGenerator.Generate(Presets.Find(result.GetValue(preset)!)!, result.GetValue(seed));
            var w = writer ?? console.Out;
            w.WriteLine(TraceFormat.FormatMeta(trace.DiskBytes, trace.Description));
            var described = new HashSet<string>(StringComparer.Ordinal);
            foreach (var e in trace.Events)
            {
                w.WriteLine(TraceFormat.Format(e, described));
            }

            if (path is not null)
            {
                console.Error.WriteLine($"tidemark: wrote {trace.Events.Count} events to {path} ({trace.Description})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
