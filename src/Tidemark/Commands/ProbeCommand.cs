using System.CommandLine;
using Tidemark.Cli.Commands.Options;
using Tidemark.Cli.Output;
using Tidemark.Cli.Pipeline;
using Tidemark.Cli.Probe;
using Tidemark.Cli.Signals;
using Tidemark.Docker.Pull;
using Tidemark.Docker.Registry;

namespace Tidemark.Cli.Commands;

/// <summary>`tidemark probe IMAGE [--cycle]`: is the cache really warm? Pull, deploy, tear down, pull again.</summary>
public static class ProbeCommand
{
    public static Command Create(CliConsole console, TimeProvider clock, Shutdown shutdown)
    {
        var config = new ConfigOptions();
        var json = new Option<bool>("--json") { Description = "Print one JSON object (docs/json-output.md) instead of lines; progress still goes to stderr" };
        var cycle = new Option<bool>("--cycle")
        {
            Description = "The whole check: pull (cold if absent), deploy (a swarm service on a manager, else a container), tear down, " +
                "confirm the image stayed, pull again (warm), deploy again; then a verdict. Removes all it created, never the image",
        };
        var deploy = new Option<string>("--deploy")
        {
            Description = "How --cycle deploys: auto (a swarm service on a swarm manager, else a container), service, or container (created, never started)",
            DefaultValueFactory = _ => "auto",
            HelpName = "auto|service|container",
        };
        deploy.AcceptOnlyFromAmong("auto", "service", "container");
        var image = new Argument<string>("IMAGE") { Description = "The image to pull, e.g. registry.example:5000/team/app:1.2 (no tag: latest)" };
        var command = new Command("probe",
            "Prove cache retention for one image: pull it through the daemon with the credentials doctor reports, and report " +
            "time, layers and bytes downloaded. Exit 0 when it worked (and, with --cycle, the cache was retained), 1 when the cache was not retained.");
        command.Arguments.Add(image);
        config.AddTo(command);
        command.Options.Add(json);
        command.Options.Add(cycle);
        command.Options.Add(deploy);
        command.SetAction((result, ct) => RunAsync(console, clock, shutdown, config.Read(result), result.GetValue(image)!, result.GetValue(cycle), result.GetValue(deploy)!, result.GetValue(json), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliConsole console, TimeProvider clock, Shutdown shutdown, string? configPath, string image, bool cycle, string deploy, bool json, CancellationToken ct)
    {
        var (loaded, endpoint, failure) = Session.Prepare(console, configPath, ct);
        if (failure is not null)
        {
            return Fail(console, json, failure);
        }

        var (client, connectFailure) = await Session.ConnectAsync(endpoint!, ct).ConfigureAwait(false);
        if (connectFailure is not null)
        {
            return Fail(console, json, connectFailure);
        }

        using (client)
        {
            var info = await client!.GetInfoAsync(ct).ConfigureAwait(false);
            if (!info.IsOk)
            {
                return Fail(console, json, Session.FromApi(info.Error!));
            }

            var defaults = DefaultRegistry.FromIndexServer(info.Value.IndexServerAddress);
            var (target, targetError) = ProbeTargets.Parse(image, defaults);
            if (targetError is not null)
            {
                return Fail(console, json, new CommandFailure(ExitCodes.Usage, targetError));
            }

            var (auth, who) = await ProbeCredentials.ForAsync(loaded!.Settings, target!, defaults, console, ct).ConfigureAwait(false);
            void Say(string line)
            {
                if (!json)
                {
                    console.Out.WriteLine(Safe.Line($"probe: {line}"));
                }
            }

            Say($"{target!.Reference} from {(target.DefaultRegistry ? "the default registry" : "registry")} {target.Registry}, credentials: {who}");
            IPullView view = console.Live ? new LivePullView(console.Error, clock) : new PlainPullView(console.Error);
            var manager = info.Value.Swarm is { LocalNodeState: "active", ControlAvailable: true };
            if (deploy == "service" && !manager)
            {
                return Fail(console, json, new CommandFailure(ExitCodes.Usage, "--deploy service needs a swarm manager; this daemon is not one (use --deploy container)"));
            }

            var asService = deploy == "service" || (deploy == "auto" && manager);
            ProbeResult result;
            var probe = new ProbeCycle(client, new ImagePuller(client, view, clock), clock, Say);
            try
            {
                result = await probe.RunAsync(target, auth, cycle, asService, ct).ConfigureAwait(false);
            }
            catch (ProbeAbort abort)
            {
                return Fail(console, json, new CommandFailure(ExitCodes.Unavailable, abort.Message + Leftovers(probe)));
            }
            catch (OperationCanceledException) when (shutdown.Requested)
            {
                return Fail(console, json, new CommandFailure(shutdown.ExitCode,
                    $"probe interrupted by {shutdown.Reason}: {(probe.CleanupProblems.Count == 0 ? "everything it created is removed again" : string.Join("; ", probe.CleanupProblems))}; the image is kept"));
            }

            var exit = ExitFor(result);
            if (json)
            {
                ProbeOutput.WriteJson(console.Out, result, exit);
            }
            else
            {
                foreach (var line in ProbeOutput.Lines(result))
                {
                    console.Out.WriteLine($"probe: {line}");
                }
            }

            return exit;
        }
    }

    private static string Leftovers(ProbeCycle probe) =>
        probe.CleanupProblems.Count == 0 ? "" : "; " + string.Join("; ", probe.CleanupProblems);

    private static int ExitFor(ProbeResult result) => result.Failure?.Kind switch
    {
        _ when result.DeployFailure is not null => ExitCodes.Unavailable,
        PullFailureKind.NotFound => ExitCodes.NoInput,
        PullFailureKind.AuthRefused => ExitCodes.NoPermission,
        PullFailureKind.Unreachable or PullFailureKind.Daemon or PullFailureKind.Other => ExitCodes.Unavailable,
        _ when result.CleanupProblems.Count > 0 => ExitCodes.Unavailable,
        _ => result.Retained == false ? ExitCodes.CheckFailed : ExitCodes.Ok,
    };

    private static int Fail(CliConsole console, bool json, CommandFailure failure)
    {
        if (json)
        {
            JsonReport.WriteError(console.Out, failure.ExitCode, failure.Message);
        }

        console.Fail(failure.Message);
        return failure.ExitCode;
    }
}
