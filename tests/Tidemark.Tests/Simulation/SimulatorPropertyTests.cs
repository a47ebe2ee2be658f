using CsCheck;
using Tidemark.Simulation;
using Tidemark.Simulation.Traces;

namespace Tidemark.Tests.Simulation;

/// <summary>Over random traces: no policy goes below the floor or above the disk.</summary>
public sealed class SimulatorPropertyTests
{
    private static readonly Gen<(Trace Trace, long Disk)> Traces =
        from imageCount in Gen.Int[1, 6]
        from sizes in Gen.Long[1, 60].Array[imageCount]
        from shareBase in Gen.Bool
        from steps in Gen.Select(Gen.Int[0, imageCount - 1], Gen.Int[0, 3], Gen.Int[1, 200]).Array[1, 40]
        from disk in Gen.Long[60, 300]
        select Build(sizes, shareBase, steps, disk);

    private static (Trace, long) Build(long[] sizes, bool shareBase, (int Image, int Kind, int Minutes)[] steps, long disk)
    {
        var baseLayer = new TraceLayer("sha256:base", 5, 10);
        var images = sizes.Select((s, i) => TinyTraces.Image($"i{i}", s, null, shareBase ? [baseLayer] : [])).ToArray();
        var events = new List<TraceEvent>();
        var t = TinyTraces.T0;
        var run = 0;
        foreach (var (image, kind, minutes) in steps)
        {
            t = t.AddMinutes(minutes);
            switch (kind)
            {
                case 0:
                    events.Add(new TraceEvent(t, TraceKind.Pull, images[image]));
                    break;
                case 1:
                    // A run: start, pull, use, end.
                    var id = $"r{run++}";
                    events.Add(new TraceEvent(t, TraceKind.RunStart, Run: id, Stack: $"{id}_ci_x"));
                    events.Add(new TraceEvent(t.AddSeconds(1), TraceKind.Pull, images[image], id));
                    events.Add(new TraceEvent(t.AddSeconds(2), TraceKind.Use, images[image], id));
                    events.Add(new TraceEvent(t.AddMinutes(1), TraceKind.RunEnd, Run: id, Stack: $"{id}_ci_x"));
                    t = t.AddMinutes(1);
                    break;
                case 2:
                    events.Add(new TraceEvent(t, TraceKind.Use, images[image]));
                    break;
                default:
                    events.Add(new TraceEvent(t, TraceKind.Tick));
                    break;
            }
        }

        return (new Trace(events, disk, "random"), disk);
    }

    [Fact]
    public void The_floor_never_exceeds_any_policy_and_no_policy_exceeds_the_disk()
    {
        Traces.Sample(x =>
        {
            var results = PolicySet.Compare(x.Trace, x.Disk);
            var floor = results.Single(r => r.Policy == "floor");
            foreach (var r in results.Where(r => r.Policy != "floor"))
            {
                Assert.True(r.PeakDiskBytes <= x.Disk, $"{r.Policy} peaked at {r.PeakDiskBytes} of {x.Disk}");
                if (r.FailedJobs == 0)
                {
                    Assert.True(floor.BytesDownloaded <= r.BytesDownloaded, $"{r.Policy} downloaded {r.BytesDownloaded} < floor {floor.BytesDownloaded}");
                }
            }
        }, iter: 200);
    }
}
