using System.CommandLine;
using Tidemark.Cli.Commands.Options;
using Tidemark.Cli.Configuration;
using Tidemark.Cli.Output;

namespace Tidemark.Cli.Commands.Config;

/// <summary>`tidemark config check`: every error of the file, one line each, offline.</summary>
public static class CheckCommand
{
    public static Command Create(CliConsole console)
    {
        var config = new ConfigOptions();
        var command = new Command("check",
            "Validate the config file offline (no daemon needed): exit 0 when it is valid, 78 with one line per error when not.");
        config.AddTo(command);
        command.SetAction((result, ct) =>
        {
            var path = config.Resolve(result, console);
            var (loaded, errors) = ConfigLoader.LoadAll(path, ct);
            foreach (var error in errors)
            {
                console.Fail($"config error: {error}");
            }

            if (loaded is null)
            {
                return Task.FromResult(ExitCodes.Config);
            }

            foreach (var warning in loaded.Warnings)
            {
                console.Error.WriteLine(Safe.Line($"warning: {warning}"));
            }

            var set = loaded.KeyLines.Count == 1 ? "1 key set" : $"{loaded.KeyLines.Count} keys set";
            var what = loaded.FromFile
                ? $"{loaded.Source}: {set}, the others at their defaults"
                : $"no config file ({ConfigLoader.DefaultPath} is absent): every key at its default";
            var warned = loaded.Warnings.Count switch { 0 => "", 1 => "; 1 warning above", var n => $"; {n} warnings above" };
            console.Out.WriteLine(Safe.Line($"config ok: {what}{warned}"));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
