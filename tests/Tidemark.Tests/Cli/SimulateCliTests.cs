using System.Text.Json;
using Tidemark.Cli;
using Tidemark.Cli.Output;
using Tidemark.Cli.Signals;
using Tidemark.Simulation.Traces;

namespace Tidemark.Tests.Cli;

/// <summary>The simulate commands through the real command line, in process (no daemon needed).</summary>
public sealed class SimulateCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tidemark-sim-").FullName;

    private static async Task<(int Code, string Out, string Err)> Tidemark(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await TidemarkCli.RunAsync(args, new CliConsole(stdout, stderr, _ => null, false), TimeProvider.System, Shutdown.Manual());
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Compare_as_json_has_every_field_per_policy()
    {
        var (code, output, _) = await Tidemark("simulate", "compare", "--preset", "small-ci", "--seed", "2", "--json");
        Assert.Equal(0, code);
        var policies = JsonDocument.Parse(output).RootElement.GetProperty("policies").EnumerateArray().ToList();
        Assert.Equal(["autoprune-daily", "seed-gated", "docuum-like", "kubelet-like", "tidemark-timer", "tidemark-watch", "tidemark-prepare", "belady", "floor"],
            policies.Select(p => p.GetProperty("policy").GetString()));
        foreach (var p in policies)
        {
            foreach (var field in new[] { "bytesDownloaded", "pulls", "fullHits", "failedJobs", "peakDiskBytes", "ratioToBelady", "ratioToFloor" })
            {
                Assert.True(p.TryGetProperty(field, out _), $"{p.GetProperty("policy")} lacks {field}");
            }
        }

        Assert.Equal(1.0, policies.Single(p => p.GetProperty("policy").GetString() == "floor").GetProperty("ratioToFloor").GetDouble());
    }

    [Fact]
    public async Task A_generated_trace_file_replays()
    {
        var file = Path.Combine(_dir, "t.jsonl");
        var (code, _, err) = await Tidemark("simulate", "generate", "--preset", "tight-disk", "--seed", "3", "-o", file);
        Assert.Equal(0, code);
        Assert.Contains("wrote", err);
        var (parsed, error) = TraceFormat.Parse(File.ReadLines(file));
        Assert.Null(error);
        Assert.Equal(32_000_000_000, parsed!.DiskBytes);

        var (runCode, output, _) = await Tidemark("simulate", "run", "--trace", file, "--policy", "tidemark-watch:lru", "--disk", "40GB");
        Assert.Equal(0, runCode);
        Assert.Contains("tidemark-watch:lru", output);
        Assert.Contains("disk: 40 GB", output);
    }

    [Fact]
    public async Task A_malformed_trace_exits_65_naming_the_line()
    {
        var file = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllLines(file, ["{\"kind\":\"meta\",\"disk\":1000}", "{\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"tick\"}", "{\"time\": oops}"]);
        var (code, _, err) = await Tidemark("simulate", "run", "--trace", file, "--policy", "floor");
        Assert.Equal(65, code);
        Assert.Contains($"trace error: {file}: line 3: not a trace line", err);
    }

    [Theory]
    [InlineData(66, "simulate", "compare", "--trace", "/nonexistent/trace.jsonl")]
    [InlineData(64, "simulate", "compare", "--preset", "huge-host")]
    [InlineData(64, "simulate", "run", "--preset", "small-ci", "--policy", "random")]
    [InlineData(64, "simulate", "compare", "--preset", "small-ci", "--disk", "lots")]
    public async Task Bad_input_exits_with_its_code(int expected, params string[] args) =>
        Assert.Equal(expected, (await Tidemark(args)).Code);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
