using System.CommandLine;
using Tidemark.Cli.Pipeline;
using Tidemark.Core.Configuration;
using Tidemark.Core.Text;
using Tidemark.Simulation.Generation;
using Tidemark.Simulation.Traces;

namespace Tidemark.Cli.Commands.Simulate;

/// <summary>What a simulation replays: the trace, its disk, and the settings Tidemark's policies run with.</summary>
public sealed record Simulation(Trace Trace, long Disk, Settings? Settings);

/// <summary>
/// The options every replaying command shares: where the trace comes from (--trace FILE, or
/// --preset NAME --seed N), its disk (--disk), and the configuration for Tidemark's policies (--config).
/// </summary>
public sealed class TraceSource
{
    public Option<string?> Config { get; } = new("--config", "-c")
    {
        Description = "Run the Tidemark policies with this config file (default: the shipped defaults)",
        HelpName = "FILE",
    };

    public Option<string?> TraceFile { get; } = new("--trace", "-t")
    {
        Description = "Trace file (JSON Lines, see docs/traces.md)",
        HelpName = "FILE",
    };

    public Option<string?> Preset { get; } = CreatePreset();

    public Option<int> Seed { get; } = new("--seed")
    {
        Description = "Seed for --preset",
        DefaultValueFactory = _ => 1,
    };

    public Option<string?> Disk { get; } = new("--disk")
    {
        Description = "Disk size, e.g. 64GB or 500GiB (default: the trace's own)",
        HelpName = "SIZE",
    };

    private static Option<string?> CreatePreset()
    {
        var option = new Option<string?>("--preset")
        {
            Description = $"Generate the trace from a preset instead ({string.Join(", ", Presets.All.Select(p => p.Name))})",
            HelpName = "NAME",
        };
        // Offered by the shell completions; an unknown name is still answered in Read, with the known ones.
        option.CompletionSources.Add([.. Presets.All.Select(p => p.Name)]);
        return option;
    }

    public void AddTo(Command command)
    {
        command.Options.Add(TraceFile);
        command.Options.Add(Preset);
        command.Options.Add(Seed);
        command.Options.Add(Disk);
        command.Options.Add(Config);
    }

    /// <summary>Runs <paramref name="action"/> on the simulation, or reports why there is none.</summary>
    public int Invoke(ParseResult result, Output.CliConsole console, Func<Simulation, int> action)
    {
        var (simulation, failure) = Read(result, console);
        if (failure is null)
        {
            return action(simulation!);
        }

        console.Fail(failure.Message);
        return failure.ExitCode;
    }

    /// <summary>
    /// An unknown policy name as a usage failure, or null; NAME:ORDER variants are accepted for
    /// tidemark-timer and tidemark-watch.
    /// </summary>
    public static string? UnknownPolicy(IEnumerable<string> names, Simulation simulation)
    {
        var unknown = names.FirstOrDefault(n => Tidemark.Simulation.PolicySet.Create(n, simulation.Trace, simulation.Settings) is null);
        return unknown is null ? null :
            $"unknown policy '{unknown}' (known: {string.Join(", ", Tidemark.Simulation.PolicySet.Names)}; tidemark-timer, tidemark-watch and tidemark-prepare also as NAME:ORDER with ORDER one of {string.Join(", ", Tidemark.Simulation.PolicySet.Orders.Select(o => o.Name))})";
    }

    /// <summary>The trace, its disk and the settings, or the failure to report.</summary>
    public (Simulation? Simulation, CommandFailure? Failure) Read(ParseResult result, Output.CliConsole console)
    {
        var (trace, disk, failure) = Read(result);
        if (failure is not null)
        {
            return (null, failure);
        }

        if (result.GetValue(Config) is not { } path)
        {
            return (new Simulation(trace!, disk, null), null);
        }

        var (loaded, configFailure) = Session.LoadSettings(console, path);
        return configFailure is not null ? (null, configFailure) : (new Simulation(trace!, disk, loaded!.Settings), null);
    }

    private (Trace? Trace, long Disk, CommandFailure? Failure) Read(ParseResult result)
    {
        var file = result.GetValue(TraceFile);
        var presetName = result.GetValue(Preset);
        Trace trace;
        if (file is not null && presetName is not null)
        {
            return (null, 0, new CommandFailure(ExitCodes.Usage, "give --trace or --preset, not both"));
        }

        if (presetName is not null)
        {
            if (Presets.Find(presetName) is not { } preset)
            {
                return (null, 0, new CommandFailure(ExitCodes.Usage, $"unknown preset '{presetName}' (known: {string.Join(", ", Presets.All.Select(p => p.Name))})"));
            }

            trace = TraceGenerator.Generate(preset, result.GetValue(Seed));
        }
        else if (file is not null)
        {
            if (!File.Exists(file))
            {
                return (null, 0, new CommandFailure(ExitCodes.NoInput, $"trace file not found: {file}"));
            }

            var (parsed, error) = TraceFormat.Parse(File.ReadLines(file));
            if (error is not null)
            {
                return (null, 0, new CommandFailure(ExitCodes.DataError, $"trace error: {file}: {error}"));
            }

            trace = parsed!;
        }
        else
        {
            return (null, 0, new CommandFailure(ExitCodes.Usage, "give --trace FILE or --preset NAME"));
        }

        long disk;
        if (result.GetValue(Disk) is { } text)
        {
            if (!ByteSize.TryParse(text, out disk) || disk <= 0)
            {
                return (null, 0, new CommandFailure(ExitCodes.Usage, $"--disk {text}: not a size (use e.g. 64GB, 500GiB)"));
            }
        }
        else if (trace.DiskBytes is { } own)
        {
            disk = own;
        }
        else
        {
            return (null, 0, new CommandFailure(ExitCodes.Usage, "the trace names no disk size: give --disk SIZE"));
        }

        return (trace, disk, null);
    }
}
