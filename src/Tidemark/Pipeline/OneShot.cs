using Tidemark.Cli.Locking;
using Tidemark.Cli.Output;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Docker;
using Tidemark.Docker.Host;

namespace Tidemark.Cli.Pipeline;

public sealed record OneShotOptions(string Command, bool Execute, bool DryRun, string? ConfigPath, bool Json, bool Verbose);

/// <summary>
/// One pass of snapshot → gates → plan → execute → report, as `plan` and `run` use it.
/// </summary>
public sealed class OneShot(CliConsole console, TimeProvider clock)
{
    public async Task<int> RunAsync(OneShotOptions options, CancellationToken ct)
    {
        var (loaded, failure) = Session.LoadSettings(console, options.ConfigPath);
        if (failure is not null)
        {
            return Fail(options, failure);
        }

        var settings = loaded!.Settings;
        var (endpoint, endpointFailure) = Session.ResolveEndpoint(console, settings);
        if (endpointFailure is not null)
        {
            return Fail(options, endpointFailure);
        }

        var mutates = options.Execute && !options.DryRun;
        RunLock? runLock = null;
        if (mutates)
        {
            var (acquired, lockError, held) = RunLock.TryAcquire(settings.Lock.Path);
            if (acquired is null)
            {
                return Fail(options, new CommandFailure(held ? ExitCodes.TempFail : ExitCodes.Software, lockError!));
            }

            runLock = acquired;
        }

        using (runLock)
        {
            var (client, connectFailure) = await Session.ConnectAsync(endpoint!, ct).ConfigureAwait(false);
            if (connectFailure is not null)
            {
                return Fail(options, connectFailure);
            }

            using (client)
            {
                var reader = new SnapshotReader(client!, clock);
                var snapshot = await reader.ReadAsync(settings.Disk.Path, ct).ConfigureAwait(false);
                if (!snapshot.IsOk)
                {
                    return Fail(options, Session.FromApi(snapshot.Error!));
                }

                var policy = new Policy(settings);
                var decision = policy.Decide(snapshot.Value);
                IReadOnlyList<ActionReport> actions;
                var diskAfter = default(Core.Inventory.DiskReading);
                if (mutates && decision.Allowed && decision.Actions.Count > 0)
                {
                    var executor = new PlanExecutor(client!, reader, clock,
                        snapshot.Value.Images.Select(i => i.Id).ToHashSet(StringComparer.Ordinal));
                    actions = await executor.ExecuteAsync(decision.Actions, snapshot.Value.Daemon.Swarm, policy.Selector, ct).ConfigureAwait(false);
                    if (StatVfs.TryRead(snapshot.Value.Disk.Path, out var after, out _))
                    {
                        diskAfter = after;
                    }
                }
                else
                {
                    actions = decision.Actions.Select(ActionReport.Planned).ToList();
                }

                var report = new RunReport(options.Command, decision.Allowed, options.DryRun, snapshot.Value.Daemon,
                    snapshot.Value.Disk, decision.Gates.Results, actions, decision.Notes, diskAfter);
                if (options.Json)
                {
                    JsonReport.Write(console.Out, report, loaded.Source, endpoint!.Display, VersionInfo.Text,
                        settings.Disk.LowWatermarkPercent, settings.Disk.HighWatermarkPercent);
                }
                else
                {
                    HumanReport.Write(console.Out, report, loaded.Source, endpoint!.Display, options.Verbose, new Paint(console.Colour));
                }

                return ExitCodeFor(actions);
            }
        }
    }

    /// <summary>0 whether it pruned or a gate held; a step that failed makes the run fail so systemd shows it.</summary>
    private static int ExitCodeFor(IReadOnlyList<ActionReport> actions)
    {
        var failed = actions.Where(a => a.Status == ActionStatus.Failed).ToList();
        if (failed.Count == 0)
        {
            return ExitCodes.Ok;
        }

        return failed.Any(a => a.Message?.StartsWith("daemon unreachable", StringComparison.Ordinal) == true)
            ? ExitCodes.Unavailable
            : ExitCodes.Software;
    }

    private int Fail(OneShotOptions options, CommandFailure failure)
    {
        console.Fail(failure.Message);
        if (options.Json)
        {
            JsonReport.WriteError(console.Out, failure.ExitCode, failure.Message);
        }

        return failure.ExitCode;
    }
}
