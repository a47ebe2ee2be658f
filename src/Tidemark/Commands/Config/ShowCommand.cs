using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tidemark.Cli.Commands.Options;
using Tidemark.Cli.Configuration;
using Tidemark.Cli.Output;

namespace Tidemark.Cli.Commands.Config;

/// <summary>`tidemark config show`: every key's effective value and where it came from.</summary>
public static class ShowCommand
{
    public static Command Create(CliConsole console)
    {
        var config = new ConfigOptions();
        var json = new Option<bool>("--json") { Description = "One JSON object: the config file and every key with its value and source" };
        var command = new Command("show",
            "Print the effective configuration: every key with its default filled in, and where each value came from (file and line, environment, default).");
        config.AddTo(command);
        command.Options.Add(json);
        command.SetAction((result, ct) =>
        {
            var path = config.Resolve(result, console);
            var (read, error) = ConfigLoader.Load(path, ct);
            if (read is null)
            {
                console.Fail($"config error: {error}");
                return Task.FromResult(ExitCodes.Config);
            }

            var loaded = SystemdDirectories.Apply(read, console.Environment);

            var keys = Effective(loaded, console.Environment("DOCKER_HOST"));
            if (result.GetValue(json))
            {
                console.Out.WriteLine(JsonSerializer.Serialize(new ConfigShowDocument(loaded.Source, keys), ConfigShowJson.Default.ConfigShowDocument));
                return Task.FromResult(ExitCodes.Ok);
            }

            console.Out.WriteLine(Safe.Line($"# effective configuration; file: {loaded.Source}"));
            var width = keys.Max(k => k.Key.Length + k.Value.Length) + 3;
            foreach (var section in keys.GroupBy(k => k.Section))
            {
                console.Out.WriteLine($"[{section.Key}]");
                foreach (var k in section)
                {
                    var line = $"{k.Key} = {k.Value}";
                    console.Out.WriteLine(Safe.Line($"{line.PadRight(width)} # {k.Source}"));
                }
            }

            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static List<ConfigKeyDocument> Effective(LoadedSettings loaded, string? dockerHost)
    {
        var keys = new List<ConfigKeyDocument>();
        foreach (var key in ConfigSchema.Keys)
        {
            // As written in the file when set there ("24h" stays "24h"), else the default.
            var value = loaded.KeyTexts.TryGetValue(key.Name, out var written) ? written : key.Current(loaded.Settings);
            var source = loaded.KeyLines.TryGetValue(key.Name, out var line) ? $"{loaded.Source}:{line}"
                : loaded.Overrides.TryGetValue(key.Name, out var from) ? from
                : "default";
            // DOCKER_HOST wins over [docker] host, as with the docker CLI.
            if (key.Name == "[docker] host" && !string.IsNullOrWhiteSpace(dockerHost))
            {
                source = $"environment DOCKER_HOST (overrides {source} {value})";
                value = "\"" + dockerHost + "\"";
            }

            keys.Add(new ConfigKeyDocument(key.Section, key.Key, value, source));
        }

        return keys;
    }
}

/// <param name="Value">The value as TOML would write it.</param>
public sealed record ConfigKeyDocument(string Section, string Key, string Value, string Source);

public sealed record ConfigShowDocument(string Config, List<ConfigKeyDocument> Keys);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ConfigShowDocument))]
public sealed partial class ConfigShowJson : JsonSerializerContext
{
}
