using System.CommandLine;
using System.Globalization;
using Tidemark.Cli.Output;
using Tidemark.Core.Text;
using Tidemark.Simulation.Generation;

namespace Tidemark.Cli.Commands.Simulate;

public static class PresetsCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("presets", "List the trace generator's presets and their parameters.");
        command.SetAction(_ =>
        {
            foreach (var p in Presets.All)
            {
                console.Out.WriteLine($"{p.Name}: {p.Description}");
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  days={p.Days} disk={ByteSize.Format(p.DiskBytes)} apps={p.Apps} runs/day={p.RunsPerDay} zipf={p.ZipfExponent} run-minutes={p.RunMinutes} nightly-sweep={p.NightlySweep} app-release-days={p.AppReleaseDays} base-bump-days={p.BaseBumpDays} app-layer-mb={p.AppLayerMegabytes} compression={p.CompressionRatio}"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
