using System.CommandLine;
using Tidemark.Cli.Commands.Options;
using Tidemark.Cli.Doctor;
using Tidemark.Cli.Output;
using Tidemark.Cli.Pipeline;
using Tidemark.Core.Configuration;
using Tidemark.Docker.Api;
using Tidemark.Docker.Credentials;
using Tidemark.Docker.Host;

namespace Tidemark.Cli.Commands;

/// <summary>`tidemark doctor`: the checklist an operator runs when moving a host to Tidemark. Read-only.</summary>
public static class DoctorCommand
{
    public static Command Create(CliConsole console, TimeProvider clock)
    {
        var config = new ConfigOptions();
        var json = new Option<bool>("--json") { Description = "Print one JSON object (docs/json-output.md) instead of lines" };
        var root = new Option<string>("--root")
        {
            Description = "Look for competing pruners (systemd units, cron tables) under this directory instead of / (e.g. a host's root mounted in a container)",
            DefaultValueFactory = _ => "/",
            HelpName = "DIR",
        };
        var registryCheck = new Option<string[]>("--registry-check")
        {
            Description = "Ask this image's registry for its pull limit with a HEAD request (not counted as a pull); may be repeated",
            HelpName = "IMAGE",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("doctor",
            "Check the host for Tidemark: daemon, disk, registry credentials, pull limits, competing pruners, mirrors and Tidemark's own state. " +
            "Each line is ok, warn or fail with its evidence and what to do. Changes nothing. Exit 0 when nothing fails, 1 when something does.");
        config.AddTo(command);
        command.Options.Add(json);
        command.Options.Add(root);
        command.Options.Add(registryCheck);
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(root) is not { Length: > 0 } dir || !Directory.Exists(dir))
            {
                var message = $"--root {result.GetValue(root)}: no such directory";
                if (result.GetValue(json))
                {
                    JsonReport.WriteError(console.Out, ExitCodes.Usage, message);
                }

                console.Fail(message);
                return ExitCodes.Usage;
            }

            var checks = await GatherAsync(console, clock, config.Read(result), result.GetValue(root)!, result.GetValue(registryCheck) ?? [], ct).ConfigureAwait(false);
            var exit = checks.Any(c => c.Status == CheckStatus.Fail) ? ExitCodes.CheckFailed : ExitCodes.Ok;
            if (result.GetValue(json))
            {
                DoctorOutput.WriteJson(console.Out, checks, exit);
            }
            else
            {
                var paint = new Paint(console.Colour);
                foreach (var check in checks)
                {
                    console.Out.WriteLine(DoctorOutput.Line(check, paint));
                }

                console.Out.WriteLine(DoctorOutput.Summary(checks));
            }

            return exit;
        });
        return command;
    }

    private static async Task<IReadOnlyList<CheckResult>> GatherAsync(
        CliConsole console, TimeProvider clock, string? configFlag, string root, IReadOnlyList<string> registryChecks, CancellationToken ct)
    {
        var checks = new List<CheckResult>();
        var (loaded, configFailure) = Session.LoadSettings(console, configFlag, ct);
        var settings = loaded?.Settings ?? Settings.Default;
        var source = loaded?.Source ?? configFlag ?? "the config file";
        var now = clock.GetUtcNow();

        var (endpoint, endpointFailure) = Session.ResolveEndpoint(console, settings);
        DockerClient? client = null;
        if (endpointFailure is not null)
        {
            checks.Add(DaemonChecks.Unreachable(settings.Docker.Host, endpointFailure.Message));
        }
        else
        {
            var (connected, connectFailure) = await Session.ConnectAsync(endpoint!, ct).ConfigureAwait(false);
            client = connected;
            if (connectFailure is not null)
            {
                checks.Add(DaemonChecks.Unreachable(endpoint!.Display, connectFailure.Message));
            }
        }

        using (client)
        {
            DaemonFacts? daemon = null;
            if (client is not null)
            {
                var read = await ReadDaemonAsync(client, settings, ct).ConfigureAwait(false);
                daemon = read.Facts;
                if (read.Failure is { } failure)
                {
                    checks.Add(DaemonChecks.Unreachable(client.Endpoint.Display, failure));
                }
                else
                {
                    Guard(checks, DaemonChecks.Area, () => DaemonChecks.For(daemon!));
                    Guard(checks, DiskChecks.Area, () => DiskChecks.For(daemon!, settings.Disk));
                }
            }

            var info = daemon?.Info;
            var credentials = new DockerCredentials(console.Environment);
            var dockerConfig = settings.Registry.DockerConfig.Length > 0 ? settings.Registry.DockerConfig : null;
            await GuardAsync(checks, CredentialChecks.Area, async () =>
                CredentialChecks.From(await credentials.ListAsync(dockerConfig, ct).ConfigureAwait(false), info?.IndexServerAddress)).ConfigureAwait(false);
            foreach (var image in registryChecks)
            {
                await GuardAsync(checks, RateLimitCheck.Area, async () =>
                    [await RegistryLimits.CheckAsync(image, info, credentials, dockerConfig, ct).ConfigureAwait(false)]).ConfigureAwait(false);
            }

            Guard(checks, PrunerChecks.Area, () => PrunerChecks.From(PrunerScan.Scan(root)));
            if (info is not null)
            {
                Guard(checks, MirrorChecks.Area, () => MirrorChecks.For(info));
            }

            Guard(checks, SelfChecks.Area, () => SelfChecks.For(settings, source, configFailure?.Message.Replace("config error: ", "", StringComparison.Ordinal), now));
        }

        return checks;
    }

    /// <summary>
    /// One area's checks. A diagnosis must survive what it diagnoses: an answer no check foresaw
    /// (from the daemon, a file, a helper) becomes that area's fail line, and the other areas still run.
    /// </summary>
    private static async Task GuardAsync(List<CheckResult> checks, string area, Func<Task<IReadOnlyList<CheckResult>>> run)
    {
        try
        {
            checks.AddRange(await run().ConfigureAwait(false));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            checks.Add(Unfinished(area, e));
        }
    }

    /// <summary>The same, for an area whose checks need no waiting.</summary>
    private static void Guard(List<CheckResult> checks, string area, Func<IEnumerable<CheckResult>> run)
    {
        try
        {
            // Materialised here, so an exception in a lazy sequence is caught as well.
            checks.AddRange(run().ToList());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            checks.Add(Unfinished(area, e));
        }
    }

    private static CheckResult Unfinished(string area, Exception e) =>
        CheckResult.Fail(area, $"this check could not finish: {e.GetType().Name}: {e.Message}",
            "please report it (a bug in Tidemark, met on this host); the other areas were checked");

    private static async Task<(DaemonFacts? Facts, string? Failure)> ReadDaemonAsync(DockerClient client, Settings settings, CancellationToken ct)
    {
        var info = await client.GetInfoAsync(ct).ConfigureAwait(false);
        if (!info.IsOk)
        {
            return (null, info.Error!.Message);
        }

        var usage = await client.GetDiskUsageAsync(ct).ConfigureAwait(false);
        var path = settings.Disk.Path.Length > 0 ? settings.Disk.Path : info.Value.DockerRootDir ?? "";
        var measured = DiskMeasure.TryRead(path, out var disk, out var diskError);
        // The data root line names the daemon's data root, whatever [disk] path measures.
        var fileSystem = MountPoints.FileSystemOf(info.Value.DockerRootDir ?? path, DiskMeasure.ReadMountInfo());
        return (new DaemonFacts(client.Endpoint.Display, client.Version.ToString(), client.DaemonVersion.ToString(), info.Value,
            usage.IsOk ? usage.Value : null, usage.Error?.Message, measured ? disk : null, measured ? null : diskError, fileSystem), null);
    }
}
