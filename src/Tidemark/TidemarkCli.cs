using System.CommandLine;
using Tidemark.Cli.Commands;
using Tidemark.Cli.Output;
using Tidemark.Cli.Signals;

namespace Tidemark.Cli;

/// <summary>The command tree; one file per command under Commands/.</summary>
public static class TidemarkCli
{
    public static RootCommand Build(CliConsole console, TimeProvider clock, Shutdown shutdown)
    {
        var root = new RootCommand(
            "Tidemark keeps a Docker host's image store as a warm cache: it prunes only under disk pressure, " +
            "only while no CI run or deploy is live, and never touches volumes or images in use. " +
            "`tidemark help COMMAND` (or `tidemark COMMAND --help`) says more about a command.");
        root.Subcommands.Add(PlanCommand.Create(console, clock, shutdown));
        root.Subcommands.Add(RunCommand.Create(console, clock, shutdown));
        root.Subcommands.Add(WatchCommand.Create(console, clock, shutdown));
        root.Subcommands.Add(PrepareCommand.Create(console, clock, shutdown));
        root.Subcommands.Add(ConfigCommand.Create(console));
        root.Subcommands.Add(UnitsCommand.Create(console));
        root.Subcommands.Add(DoctorCommand.Create(console, clock));
        root.Subcommands.Add(ProbeCommand.Create(console, clock, shutdown));
        root.Subcommands.Add(SimulateCommand.Create(console));
        root.Subcommands.Add(VersionCommand.Create(console));
        root.Subcommands.Add(ManCommand.Create(console));
        root.Subcommands.Add(CompletionsCommand.Create(console));
        return root;
    }

    private static IEnumerable<string> Path(Command command)
    {
        var names = new List<string>();
        for (var c = command; c is not null && c is not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Add(c.Name);
        }

        names.Reverse();
        return names;
    }

    /// <param name="shutdown">Signals: commands stop cleanly on the first and report what they did.</param>
    public static async Task<int> RunAsync(string[] args, CliConsole console, TimeProvider clock, Shutdown shutdown)
    {
        var root = Build(console, clock, shutdown);
        if (args.Length == 0)
        {
            // No command: show what there is, and say it was a usage error.
            _ = root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = console.Error, Error = console.Error });
            return ExitCodes.Usage;
        }

        if (args is ["--version"])
        {
            // One version line, whichever way it is asked for.
            args = ["version"];
        }

        if (args[0] == "help")
        {
            // `tidemark help simulate run` is `tidemark simulate run --help`.
            args = args.Length == 1 ? ["--help"] : [.. args[1..], "--help"];
        }

        if (CommandLineErrors.UnknownCommand(root, args) is { } unknown)
        {
            console.Fail(unknown);
            console.Error.WriteLine("Run 'tidemark --help' for usage.");
            return ExitCodes.Usage;
        }

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                console.Fail(CommandLineErrors.Friendly(error.Message));
            }

            console.Error.WriteLine($"Run 'tidemark {string.Join(' ', Path(parsed.CommandResult.Command))} --help' for usage.".Replace("  ", " ", StringComparison.Ordinal));
            return ExitCodes.Usage;
        }

        if (Path(parsed.CommandResult.Command).FirstOrDefault() is null or "simulate" or "version")
        {
            // These commands take no cancellation: a signal should end them, not wait for them.
            shutdown.Release();
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                EnableDefaultExceptionHandler = false,
                // Signals are Shutdown's: System.CommandLine's own handler would end the command
                // after a timeout without its report, and trips over a second signal.
                ProcessTerminationTimeout = null,
            }, shutdown.Token).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // The output itself failed (a full disk, a closed pipe): an I/O error, not a bug.
            try
            {
                console.Fail($"could not write the output: {e.Message}");
            }
            catch (IOException)
            {
                // stderr is gone too: the exit code is all there is.
            }

            return ExitCodes.IoError;
        }
        catch (OperationCanceledException) when (shutdown.Requested)
        {
            console.Fail($"interrupted by {shutdown.Reason}: stopped before finishing; nothing removed");
            return shutdown.ExitCode;
        }
        catch (Exception e)
        {
            console.Fail($"unexpected error: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Software;
        }
    }
}
