using System.CommandLine;
using Tidemark.Cli;
using Tidemark.Cli.Output;
using Tidemark.Cli.Signals;

namespace Tidemark.Tests.Cli;

/// <summary>
/// Issue 8: bad values fed to every option of every command. Whatever is wrong, the answer is a
/// line in an operator's words: never a .NET type name, an exception or exit 70.
/// </summary>
public sealed class BadValuesTests : IDisposable
{
    private static readonly string[] BadValues = ["abc", "", "-1", "99999999999999999999", "/", "/nonexistent/dir/file", "a\nb\u001b[2J", "\u0000"];

    /// <summary>Values that satisfy required options, so the bad one is what is judged.</summary>
    private static readonly Dictionary<string, string> Needed = new()
    {
        ["--preset"] = "small-ci",
        ["--policy"] = "belady",
    };

    private readonly string _dir = Directory.CreateTempSubdirectory("tidemark-badvalues-").FullName;

    public static TheoryData<string, string> Options()
    {
        var data = new TheoryData<string, string>();
        var root = TidemarkCli.Build(new CliConsole(TextWriter.Null, TextWriter.Null, _ => null, false), TimeProvider.System, Shutdown.Manual());
        foreach (var (path, command) in Walk(root, []))
        {
            foreach (var option in command.Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name is not ("--help" or "--version")))
            {
                data.Add(path, option.Name);
            }
        }

        return data;
    }

    private static IEnumerable<(string Path, Command Command)> Walk(Command command, List<string> path)
    {
        if (command.Subcommands.Count == 0)
        {
            yield return (string.Join(' ', path), command);
        }

        foreach (var sub in command.Subcommands)
        {
            foreach (var leaf in Walk(sub, [.. path, sub.Name]))
            {
                yield return leaf;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Options))]
    public async Task Bad_values_get_a_plain_answer(string command, string option)
    {
        foreach (var value in BadValues)
        {
            var args = command.Split(' ').ToList();
            foreach (var (name, good) in Needed.Where(n => n.Key != option && Has(command, n.Key)))
            {
                args.AddRange([name, good]);
            }

            // A file an option writes goes in this test's directory, never the working one.
            var written = option is "--out" or "--record" && value.Length > 0 && !value.StartsWith('/') && !value.Any(char.IsControl)
                ? Path.Combine(_dir, value)
                : value;
            args.AddRange([option, written]);
            var (code, output) = await RunAsync([.. args]);

            var what = $"tidemark {string.Join(' ', args)} → exit {code}\n{output}";
            Assert.True(code != ExitCodes.Software, what);
            Assert.DoesNotContain("System.", output);
            Assert.DoesNotContain("Exception", output);
            Assert.DoesNotContain("   at ", output);
        }
    }

    private static bool Has(string command, string option)
    {
        Command c = TidemarkCli.Build(new CliConsole(TextWriter.Null, TextWriter.Null, _ => null, false), TimeProvider.System, Shutdown.Manual());
        foreach (var name in command.Split(' '))
        {
            c = c.Subcommands.Single(s => s.Name == name);
        }

        return c.Options.Any(o => o.Name == option);
    }

    [Fact]
    public async Task An_unknown_command_is_named_with_the_nearest_one_and_no_contradiction()
    {
        var (code, output) = await RunAsync(["prun"]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("unknown command 'prun'", output);
        Assert.Contains("did you mean", output);
        Assert.DoesNotContain("Required command was not provided", output);
    }

    [Fact]
    public async Task Help_works_as_a_command()
    {
        var (code, output) = await RunAsync(["help", "config", "check"]);
        Assert.Equal(0, code);
        Assert.Contains("Validate the config file offline", output);
    }

    [Fact]
    public async Task Version_is_one_line_however_it_is_asked()
    {
        var (_, flag) = await RunAsync(["--version"]);
        var (_, command) = await RunAsync(["version"]);
        Assert.Equal(command, flag);
        Assert.StartsWith("tidemark ", flag);
    }

    /// <summary>In process, against a socket that does not exist; a command still running after 3 s is told to stop.</summary>
    private async Task<(int Code, string Output)> RunAsync(string[] args)
    {
        var output = new StringWriter();
        // A config of its own: the defaults would take the host's real lock and ledger
        // (/run/tidemark, /var/lib/tidemark) — a test must never touch those.
        var config = Path.Combine(_dir, "tidemark.toml");
        if (!File.Exists(config))
        {
            File.WriteAllText(config, $"[ledger]\npath = \"{_dir}/ledger.json\"\n[lock]\npath = \"{_dir}/tidemark.lock\"\n");
        }

        var env = new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = $"unix://{_dir}/no-daemon.sock",
            ["TIDEMARK_CONFIG"] = config,
        };
        var console = new CliConsole(output, output, k => env.GetValueOrDefault(k), false);
        using var shutdown = Shutdown.Manual();
        var run = TidemarkCli.RunAsync(args, console, TimeProvider.System, shutdown);
        if (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken)) != run)
        {
            shutdown.Request(Shutdown.SigTerm);
        }

        return (await run, output.ToString());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
