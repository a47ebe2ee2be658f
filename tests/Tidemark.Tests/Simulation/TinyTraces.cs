using Tidemark.Simulation.Traces;

namespace Tidemark.Tests.Simulation;

/// <summary>Small traces to check the simulator by hand: one layer per image, compressed = size.</summary>
internal static class TinyTraces
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    public static TraceImage Image(string name, long size, DateTimeOffset? created = null, params TraceLayer[] shared) =>
        new($"sha256:{name}", $"ci/{name}:1", created ?? T0.AddDays(-10), [.. shared, new TraceLayer($"sha256:layer-{name}", size, size)]);

    public static TraceEvent Pull(int minute, TraceImage image, string? run = null) => new(T0.AddMinutes(minute), TraceKind.Pull, image, run);

    public static TraceEvent Use(int minute, TraceImage image, string? run = null) => new(T0.AddMinutes(minute), TraceKind.Use, image, run);

    public static TraceEvent Tick(int minute) => new(T0.AddMinutes(minute), TraceKind.Tick);

    public static TraceEvent Start(int minute, string run) => new(T0.AddMinutes(minute), TraceKind.RunStart, Run: run, Stack: $"{run}_ci_app");

    public static TraceEvent End(int minute, string run) => new(T0.AddMinutes(minute), TraceKind.RunEnd, Run: run, Stack: $"{run}_ci_app");

    public static Trace Of(params TraceEvent[] events) => new(events, null, "tiny");
}
