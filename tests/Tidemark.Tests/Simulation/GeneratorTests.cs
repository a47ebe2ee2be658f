using Tidemark.Simulation.Generation;
using Tidemark.Simulation.Traces;

namespace Tidemark.Tests.Simulation;

public sealed class GeneratorTests
{
    private static readonly Preset Short = Presets.Find("tight-disk")! with { Days = 3 };

    private static List<string> Lines(Trace t)
    {
        var described = new HashSet<string>();
        return t.Events.Select(e => TraceFormat.Format(e, described)).ToList();
    }

    [Fact]
    public void The_same_preset_and_seed_give_the_same_trace() =>
        Assert.Equal(Lines(TraceGenerator.Generate(Short, 42)), Lines(TraceGenerator.Generate(Short, 42)));

    [Fact]
    public void Another_seed_gives_another_trace() =>
        Assert.NotEqual(Lines(TraceGenerator.Generate(Short, 42)), Lines(TraceGenerator.Generate(Short, 43)));

    [Fact]
    public void Traces_have_runs_a_nightly_sweep_shared_bases_and_new_versions()
    {
        var trace = TraceGenerator.Generate(Short, 1);
        Assert.True(trace.Events.Zip(trace.Events.Skip(1)).All(p => p.First.Time <= p.Second.Time));
        var starts = trace.Events.Where(e => e.Kind == TraceKind.RunStart).ToList();
        Assert.Equal(starts.Count, trace.Events.Count(e => e.Kind == TraceKind.RunEnd));
        // The sweep: every app between 02:00 and the morning of each day.
        Assert.True(starts.Count(e => e.Time.Hour is >= 2 and < 8 && e.Time.Day == starts[0].Time.Day) >= Short.Apps * 0.5);
        var images = trace.Events.Where(e => e.Image is not null).Select(e => e.Image!).DistinctBy(i => i.Id).ToList();
        var bottom = images.GroupBy(i => i.Layers[0].Digest).Max(g => g.Count());
        Assert.True(bottom > images.Count / 3, "a base layer shared by many images");
        var versions = images.GroupBy(i => i.Reference.Split(':')[0]).Max(g => g.Count());
        Assert.True(versions >= 2, "new versions of an app over three days");
        Assert.Equal(Short.DiskBytes, trace.DiskBytes);
    }

    [Fact]
    public void Presets_include_a_tight_disk_whose_sweep_cycles_more_than_the_disk_holds()
    {
        var tight = Presets.Find("tight-disk")!;
        var trace = TraceGenerator.Generate(tight with { Days = 2 }, 1);
        var firstNight = trace.Events.Where(e => e.Image is not null && e.Time < trace.Events[0].Time.AddDays(1))
            .SelectMany(e => e.Image!.Layers).DistinctBy(l => l.Digest).Sum(l => l.Size);
        Assert.True(firstNight > tight.DiskBytes, $"first day touches {firstNight} bytes, disk {tight.DiskBytes}");
    }
}
