using Tidemark.Cli.Pipeline;
using Tidemark.Core.Configuration;
using Tidemark.Core.Reporting;

namespace Tidemark.Cli.Output;

/// <summary>The one output path: a report or a failure, as log lines or as JSON.</summary>
public sealed class ReportOutput(CliConsole console, bool json, bool verbose)
{
    public void Write(RunReport report, string configSource, string endpoint, Settings settings)
    {
        if (json)
        {
            JsonReport.Write(console.Out, report, configSource, endpoint, VersionInfo.Text,
                settings.Disk.LowWatermarkPercent, settings.Disk.HighWatermarkPercent);
        }
        else
        {
            HumanReport.Write(console.Out, report, configSource, endpoint, verbose, new Paint(console.Colour));
        }

        console.Out.Flush();
    }

    public int Fail(CommandFailure failure)
    {
        console.Fail(failure.Message);
        if (json)
        {
            JsonReport.WriteError(console.Out, failure.ExitCode, failure.Message);
        }

        return failure.ExitCode;
    }
}
