using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Tidemark.Tests.Packaging;

/// <summary>
/// Runs Debian's nix-instantiate over the repository's Nix files (flake.nix, nix/, tests/nix/).
/// The nixpkgs lib comes, in this order, from NIX_PATH's nixpkgs, TIDEMARK_NIXPKGS_LIB, or
/// ../shared/nixpkgs-lib/lib beside the repository; with none, only `nix-instantiate --parse`
/// can run, and the tests say so.
/// </summary>
public sealed class NixEvaluator
{
    private static readonly string[] NixDirectories = ["nix", "tests/nix"];

    public NixEvaluator()
    {
        RepoRoot = FindRepoRoot();
        NixInstantiate = FindOnPath("nix-instantiate");
        (Lib, LibSource) = FindLib(RepoRoot);
        Files = NixDirectories.Select(d => Path.Combine(RepoRoot, d))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.nix", SearchOption.AllDirectories))
            .Prepend(Path.Combine(RepoRoot, "flake.nix"))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public string RepoRoot { get; }

    public string? NixInstantiate { get; }

    /// <summary>The nixpkgs `lib` directory (holding default.nix), or null.</summary>
    public string? Lib { get; }

    public string LibSource { get; }

    public IReadOnlyList<string> Files { get; }

    private string? _fallbackReport;

    /// <summary>
    /// True when the module can be evaluated. Otherwise checks that every Nix file parses, writes
    /// that it fell back to the test's output, and returns false: the test then passes on that.
    /// </summary>
    public bool CanEvaluate()
    {
        var output = TestContext.Current.TestOutputHelper;
        if (NixInstantiate is null)
        {
            Assert.Fail("nix-instantiate is not on PATH: these tests evaluate nix/module.nix with it. Install Debian's nix-bin (apt-get install nix-bin).");
        }

        if (Lib is not null)
        {
            output?.WriteLine($"evaluating with the nixpkgs lib at {Lib} ({LibSource})");
            return true;
        }

        _fallbackReport ??= ParseAll();
        output?.WriteLine(_fallbackReport);
        return false;
    }

    private string ParseAll()
    {
        var failures = new List<string>();
        foreach (var file in Files)
        {
            var (code, _, error) = Run(["--parse", file]);
            if (code != 0)
            {
                failures.Add($"{file}: {error.Trim()}");
            }
        }

        Assert.True(failures.Count == 0, "nix-instantiate --parse failed:\n" + string.Join('\n', failures));
        return $"FELL BACK to `nix-instantiate --parse`: no nixpkgs lib found ({LibSource}). "
            + $"Parsed {Files.Count} files ({string.Join(", ", Files.Select(f => Path.GetRelativePath(RepoRoot, f)))}); "
            + "nothing was evaluated. Set TIDEMARK_NIXPKGS_LIB to a nixpkgs lib directory to evaluate the module.";
    }

    /// <summary>
    /// tests/nix/eval.nix with services.tidemark = <paramref name="tidemark"/> (Nix text); by default
    /// everything but `checked`, which throws when an assertion fails.
    /// </summary>
    public (int Code, JsonElement? Result, string Error) EvalModule(string tidemark, bool autoPrune = false, string select = "builtins.removeAttrs r [ \"checked\" ]")
    {
        var expr = $$"""
            let r = import {{Str(Path.Combine(RepoRoot, "tests/nix/eval.nix"))}} {
              lib = import {{Str(Lib!)}};
              tidemark = {{tidemark}};
              autoPrune = {{(autoPrune ? "true" : "false")}};
            }; in {{select}}
            """;
        return Eval(expr);
    }

    public (int Code, JsonElement? Result, string Error) Eval(string expr)
    {
        var (code, output, error) = Run(["--eval", "--strict", "--json", "-E", expr]);
        return (code, code == 0 ? JsonDocument.Parse(output).RootElement.Clone() : null, error);
    }

    /// <summary>A Nix string literal.</summary>
    public static string Str(string s) =>
        "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("${", "\\${", StringComparison.Ordinal) + "\"";

    private (int Code, string Output, string Error) Run(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(NixInstantiate!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        // Pure evaluation: no store is opened, created or written (no /nix, no daemon needed).
        foreach (var a in (string[])["--store", "dummy://", .. args])
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start nix-instantiate");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("nix-instantiate ran for more than 60 s: " + string.Join(' ', args));
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tidemark.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find Tidemark.slnx above " + AppContext.BaseDirectory);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, name))
            .FirstOrDefault(File.Exists);

    private static (string? Lib, string Source) FindLib(string repoRoot)
    {
        var tried = new List<string>();

        // 1. <nixpkgs/lib> as NIX_PATH resolves it: nixpkgs=DIR, or a DIR holding nixpkgs/.
        //    Only local directories: a URL entry would be fetched over the network.
        foreach (var entry in (Environment.GetEnvironmentVariable("NIX_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = entry.StartsWith("nixpkgs=", StringComparison.Ordinal) ? Path.Combine(entry["nixpkgs=".Length..], "lib")
                : entry.Contains('=', StringComparison.Ordinal) ? null
                : Path.Combine(entry, "nixpkgs", "lib");
            if (candidate is not null && candidate.StartsWith('/') && IsLib(candidate))
            {
                return (candidate, $"<nixpkgs/lib> from NIX_PATH entry {entry}");
            }
        }

        tried.Add("NIX_PATH has no local nixpkgs");

        // 2. TIDEMARK_NIXPKGS_LIB: the lib directory, or a nixpkgs (or nixpkgs.lib) checkout holding it.
        if (Environment.GetEnvironmentVariable("TIDEMARK_NIXPKGS_LIB") is { Length: > 0 } env)
        {
            foreach (var candidate in (string[])[env, Path.Combine(env, "lib")])
            {
                if (IsLib(candidate))
                {
                    return (Path.GetFullPath(candidate), "TIDEMARK_NIXPKGS_LIB");
                }
            }

            tried.Add($"TIDEMARK_NIXPKGS_LIB={env} holds no lib/default.nix");
        }
        else
        {
            tried.Add("TIDEMARK_NIXPKGS_LIB is not set");
        }

        // 3. The shared reference copy beside the repository (absent in a fresh CI clone).
        var shared = Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "nixpkgs-lib", "lib"));
        if (IsLib(shared))
        {
            return (shared, "../shared/nixpkgs-lib beside the repository");
        }

        tried.Add($"no {shared}");
        return (null, string.Join("; ", tried));
    }

    private static bool IsLib(string dir) =>
        File.Exists(Path.Combine(dir, "default.nix")) && File.Exists(Path.Combine(dir, "modules.nix"));
}
