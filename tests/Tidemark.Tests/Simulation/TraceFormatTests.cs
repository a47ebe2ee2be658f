using Tidemark.Simulation.Generation;
using Tidemark.Simulation.Traces;

namespace Tidemark.Tests.Simulation;

public sealed class TraceFormatTests
{
    private const string Layer = "\"layers\":[{\"digest\":\"sha256:l1\",\"compressed\":4,\"size\":10}]";

    [Fact]
    public void A_trace_round_trips_through_json_lines()
    {
        var trace = TraceGenerator.Generate(Presets.Find("small-ci")! with { Days = 2 }, 7);
        var described = new HashSet<string>();
        var lines = trace.Events.Select(e => TraceFormat.Format(e, described)).Prepend(TraceFormat.FormatMeta(trace.DiskBytes, trace.Description)).ToList();
        var (parsed, error) = TraceFormat.Parse(lines);

        Assert.Null(error);
        Assert.Equal(trace.DiskBytes, parsed!.DiskBytes);
        Assert.Equal(trace.Events.Count, parsed.Events.Count);
        Assert.Equal(trace.Events.Select(e => (e.Time, e.Kind, e.Image?.Id, e.Run)), parsed.Events.Select(e => (e.Time, e.Kind, e.Image?.Id, e.Run)));
        Assert.Equal(trace.Events.Where(e => e.Image is not null).Select(e => e.Image!.Size), parsed.Events.Where(e => e.Image is not null).Select(e => e.Image!.Size));
    }

    [Theory]
    [InlineData("{\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"tick\"}\n{\"time\":\"2026-01-01T00:05:00Z\",\"kind\":\"tick\"\n", 2, "not a trace line")]
    [InlineData("{\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"push\"}", 1, "unknown kind \"push\"")]
    [InlineData("{\"kind\":\"tick\"}", 1, "missing \"time\"")]
    [InlineData("{\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"pull\",\"id\":\"sha256:a\",\"ref\":\"a:1\"}", 1, "has no \"layers\"")]
    [InlineData("{\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"pull\",\"ref\":\"a:1\"," + Layer + "}", 1, "needs the image \"id\"")]
    [InlineData("{\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"run-start\"}", 1, "needs \"run\"")]
    [InlineData("{\"time\":\"2026-01-01T00:05:00Z\",\"kind\":\"tick\"}\n\n{\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"tick\"}", 3, "before the previous line")]
    [InlineData("{\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"tick\"}\n{\"kind\":\"meta\",\"disk\":100}", 2, "\"meta\" may only be the first line")]
    [InlineData("{\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"pull\",\"id\":\"sha256:a\",\"ref\":\"a:1\",\"layers\":[{\"digest\":\"sha256:l1\",\"size\":-3}]}", 1, "layer 1 needs")]
    public void Malformed_lines_are_errors_naming_the_line(string text, int line, string message)
    {
        var (trace, error) = TraceFormat.Parse(text.Split('\n'));
        Assert.Null(trace);
        Assert.Equal(line, error!.Line);
        Assert.Contains(message, error.Message);
        Assert.StartsWith($"line {line}: ", error.ToString());
    }

    [Fact]
    public void Layers_given_once_serve_later_lines()
    {
        var (trace, error) = TraceFormat.Parse([
            "{\"kind\":\"meta\",\"disk\":1000}",
            "{\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"pull\",\"id\":\"sha256:a\",\"ref\":\"a:1\"," + Layer + "}",
            "{\"time\":\"2026-01-01T00:01:00Z\",\"kind\":\"use\",\"id\":\"sha256:a\"}",
        ]);
        Assert.Null(error);
        Assert.Equal(1000, trace!.DiskBytes);
        Assert.Equal(10, trace.Events[1].Image!.Size);
        Assert.Equal("a:1", trace.Events[1].Image!.Reference);
    }

    [Theory]
    // Issue 8: "System.Nullable`1[System.DateTimeOffset]" reached the user.
    [InlineData("{\"time\":\"yesterday\",\"kind\":\"tick\"}", "field 'time' must be a date and time")]
    [InlineData("{\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"meta\",\"disk\":\"big\"}", "field 'disk' must be a whole number")]
    [InlineData("[1,2]", "not a trace line")]
    public void A_malformed_line_is_said_without_dotnet_type_names(string line, string expected)
    {
        var (_, error) = TraceFormat.Parse([line]);
        Assert.NotNull(error);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("System.", error.Message);
    }
}
