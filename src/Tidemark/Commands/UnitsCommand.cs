using System.CommandLine;
using System.Reflection;
using Tidemark.Cli.Output;

namespace Tidemark.Cli.Commands;

/// <summary>
/// `tidemark units print|install`: the shipped systemd units, with ExecStart at this binary's
/// path. Install writes the files and enables nothing: which one runs is the operator's choice.
/// </summary>
public static class UnitsCommand
{
    private const string Shipped = "/usr/local/bin/tidemark";
    private static readonly string[] Units = ["tidemark.service", "tidemark.timer", "tidemark-watch.service"];
    private const string MetricsDropIn = "tidemark-watch-metrics.conf";
    private const string TextfileDropIn = "tidemark-metrics-file.conf";

    public static Command Create(CliConsole console)
    {
        var command = new Command("units", "The systemd units (a daily timer, or the watch service), hardened, for this binary's path.");
        var binary = new Option<string?>("--binary") { Description = $"The path ExecStart runs (default: this binary, else {Shipped})", HelpName = "PATH" };

        var print = new Command("print", "Print the units, each after a comment naming where it goes.");
        print.Options.Add(binary);
        print.SetAction(result =>
        {
            foreach (var (name, text) in Read(result.GetValue(binary)))
            {
                console.Out.WriteLine($"# {string.Join(", ", Targets("/", name))}");
                console.Out.Write(text);
                console.Out.WriteLine();
            }

            return ExitCodes.Ok;
        });

        var prefix = new Option<string>("--prefix") { Description = "Root to install under (default /): files go to PREFIX/etc/systemd/system", DefaultValueFactory = _ => "/", HelpName = "DIR" };
        var metrics = new Option<bool>("--metrics-listener") { Description = "Also install the watch service's drop-in that lets it serve [metrics] listen" };
        var textfile = new Option<bool>("--metrics-textfile")
        {
            Description = "Also install, for both services, the drop-in that lets them write [metrics] file in /var/lib/tidemark-metrics",
        };
        var install = new Command("install", "Write the units (and nothing else: it enables nothing), then say how to enable one.");
        install.Options.Add(prefix);
        install.Options.Add(binary);
        install.Options.Add(metrics);
        install.Options.Add(textfile);
        install.SetAction(result =>
        {
            var root = result.GetValue(prefix)!;
            if (root.Length == 0 || root.Any(char.IsControl))
            {
                console.Fail("--prefix needs a directory");
                return ExitCodes.Usage;
            }

            try
            {
                foreach (var (name, text) in Read(result.GetValue(binary)))
                {
                    if ((name == MetricsDropIn && !result.GetValue(metrics)) || (name == TextfileDropIn && !result.GetValue(textfile)))
                    {
                        continue;
                    }

                    foreach (var path in Targets(root, name))
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        File.WriteAllText(path, text);
                        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                        console.Out.WriteLine(Safe.Line($"wrote {path}"));
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                console.Fail($"cannot install the units: {e.Message}");
                return ExitCodes.IoError;
            }

            console.Out.WriteLine("enable one: systemctl daemon-reload && systemctl enable --now tidemark.timer   (or: tidemark-watch.service)");
            return ExitCodes.Ok;
        });

        command.Subcommands.Add(print);
        command.Subcommands.Add(install);
        return command;
    }

    private static IEnumerable<string> Targets(string root, string name) => name switch
    {
        MetricsDropIn => new[] { Path.Combine(root, "etc/systemd/system/tidemark-watch.service.d/metrics.conf") },
        TextfileDropIn => new[] { "tidemark.service", "tidemark-watch.service" }.Select(unit => Path.Combine(root, $"etc/systemd/system/{unit}.d/metrics-file.conf")),
        _ => new[] { Path.Combine(root, "etc/systemd/system", name) },
    };

    private static IEnumerable<(string Name, string Text)> Read(string? binary)
    {
        var path = binary ?? (Path.GetFileName(Environment.ProcessPath) == "tidemark" ? Environment.ProcessPath! : Shipped);
        foreach (var name in Units.Append(MetricsDropIn).Append(TextfileDropIn))
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"units/{name}")
                ?? throw new InvalidOperationException($"unit {name} is not embedded in this build");
            using var reader = new StreamReader(stream);
            yield return (name, reader.ReadToEnd().Replace($"ExecStart={Shipped} ", $"ExecStart={path} ", StringComparison.Ordinal));
        }
    }
}
