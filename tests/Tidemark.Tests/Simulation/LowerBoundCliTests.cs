using System.Text.Json;
using Tidemark.Cli;
using Tidemark.Cli.Output;
using Tidemark.Cli.Signals;

namespace Tidemark.Tests.Simulation;

/// <summary>`simulate compare` reports the lower bound: a line, a ÷bound column, and in JSON.</summary>
public sealed class LowerBoundCliTests
{
    private static async Task<(int Code, string Out)> Tidemark(params string[] args)
    {
        var stdout = new StringWriter();
        var code = await TidemarkCli.RunAsync(args, new CliConsole(stdout, new StringWriter(), _ => null, false), TimeProvider.System, Shutdown.Manual());
        return (code, stdout.ToString());
    }

    [Fact]
    public async Task Compare_reports_the_bound_and_every_ratio_to_it()
    {
        var (code, output) = await Tidemark("simulate", "compare", "--preset", "tight-disk", "--seed", "1", "-p", "kubelet-like", "--json");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(output).RootElement;
        var bound = root.GetProperty("lowerBound");
        var bytes = bound.GetProperty("bytes").GetInt64();
        Assert.True(bytes >= bound.GetProperty("spanWideBytes").GetInt64());
        Assert.True(bound.GetProperty("spanWideBytes").GetInt64() >= bound.GetProperty("compulsory").GetInt64());
        foreach (var p in root.GetProperty("policies").EnumerateArray())
        {
            var downloaded = p.GetProperty("bytesDownloaded").GetInt64();
            Assert.Equal((double)downloaded / bytes, p.GetProperty("ratioToBound").GetDouble(), 9);
            if (p.GetProperty("policy").GetString() != "floor")
            {
                Assert.True(downloaded >= bytes, $"{p.GetProperty("policy")} below the bound");
            }
        }

        var (_, text) = await Tidemark("simulate", "compare", "--preset", "tight-disk", "--seed", "1", "-p", "kubelet-like");
        Assert.Contains("÷bound", text);
        Assert.Contains("lower bound: ", text);
    }
}
