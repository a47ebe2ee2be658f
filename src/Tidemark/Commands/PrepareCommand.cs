using System.CommandLine;
using Tidemark.Cli.Commands.Options;
using Tidemark.Cli.Output;
using Tidemark.Cli.Prepare;
using Tidemark.Cli.Signals;
using Tidemark.Core.Configuration;

namespace Tidemark.Cli.Commands;

/// <summary>`tidemark prepare IMAGE... | --stack FILE`: make room for the images a CI job is about to pull, then pre-pull them.</summary>
public static class PrepareCommand
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromMinutes(2);

    public static Command Create(CliConsole console, TimeProvider clock, Shutdown shutdown)
    {
        var config = new ConfigOptions();
        var json = new Option<bool>("--json") { Description = "Print one JSON object (docs/json-output.md) instead of lines; pull progress still goes to stderr" };
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Estimate and plan the room, but take no lock, remove nothing and pull nothing" };
        var stack = new Option<string?>("--stack")
        {
            Description = "Also prepare the images of this compose or stack file's services (services.NAME.image; ${VAR} from the environment)",
            HelpName = "FILE",
        };
        var wait = new Option<string>("--wait")
        {
            Description = "How long to wait for another prepare or a run holding the lock to finish (e.g. 30s, 5m; 0s: do not wait)",
            DefaultValueFactory = _ => DurationText.Format(DefaultWait),
            HelpName = "DURATION",
        };
        wait.Validators.Add(result =>
        {
            if (!DurationText.TryParse(result.GetValueOrDefault<string>() ?? "", out _))
            {
                result.AddError($"--wait takes a duration such as 30s, 5m or 1h, not '{result.GetValueOrDefault<string>()}'");
            }
        });
        var images = new Argument<string[]>("IMAGE")
        {
            Description = "Images the job will pull, e.g. registry.example:5000/team/app:1.2 (no tag: latest), or IDs of images here to keep",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("prepare",
            "Make room for the images a CI job is about to pull, then pull them: estimates what each missing image needs (registry manifest; " +
            "the ledger when the registry cannot be asked), removes images by ID under the invariants (never one a container uses, a service names, " +
            "a protect glob matches, one used within critical_min_age, or a requested one) until the pulls fit and, if possible, the disk stays below " +
            "the high watermark, and pre-pulls them. Safe while other runs are live. Exit 0 when every image is here afterwards, 73 when the room cannot be made.");
        command.Arguments.Add(images);
        command.Options.Add(stack);
        config.AddTo(command);
        command.Options.Add(json);
        command.Options.Add(dryRun);
        command.Options.Add(wait);
        command.SetAction((result, _) =>
        {
            DurationText.TryParse(result.GetValue(wait)!, out var waitFor);
            return new PrepareRun(console, clock, shutdown).RunAsync(new PrepareOptions(
                result.GetValue(images) ?? [],
                result.GetValue(stack),
                config.Read(result),
                result.GetValue(json),
                result.GetValue(dryRun),
                waitFor));
        });
        return command;
    }
}
