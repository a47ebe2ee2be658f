using CsCheck;
using Tidemark.Simulation.Generation;
using Tidemark.Simulation.Traces;

namespace Tidemark.Tests.Fuzz;

/// <summary>
/// Issue 7: the trace parser on any input never throws; a rejection names a line that exists.
/// </summary>
public sealed class TraceFuzzTests
{
    private static readonly byte[] Valid = BuildValid();

    private static byte[] BuildValid()
    {
        var trace = TraceGenerator.Generate(Presets.Find("small-ci")!, 1);
        var described = new HashSet<string>(StringComparer.Ordinal);
        var lines = new List<string> { TraceFormat.FormatMeta(trace.DiskBytes, trace.Description) };
        lines.AddRange(trace.Events.Take(200).Select(e => TraceFormat.Format(e, described)));
        return System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    private static void Parses(byte[] bytes)
    {
        var lines = Mutations.Text(bytes).Split('\n');
        var (trace, error) = TraceFormat.Parse(lines);
        Assert.True(trace is null != (error is null));
        if (error is not null)
        {
            Assert.InRange(error.Line, 1, lines.Length);
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
        }
    }

    [Fact]
    public void Random_bytes_never_crash_the_trace_parser() =>
        Mutations.RandomBytes.Sample(Parses, iter: Mutations.Cases);

    [Fact]
    public void A_damaged_trace_never_crashes_the_parser() =>
        Mutations.Damaged(Valid).Sample(Parses, iter: Mutations.Cases);

    [Fact]
    public void The_valid_seed_is_valid() => Assert.Null(TraceFormat.Parse(Mutations.Text(Valid).Split('\n')).Error);
}
