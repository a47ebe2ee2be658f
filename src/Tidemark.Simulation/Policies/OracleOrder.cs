using Tidemark.Core.Planning;
using Tidemark.Simulation.Traces;

namespace Tidemark.Simulation.Policies;

/// <summary>
/// A diagnostic eviction order that reads the trace's future: furthest true next use of the image
/// first. Tidemark's planner run with it shows how much of a gap to belady comes from prediction
/// and how much from the mechanics (watermarks, whole images, decision points). Not a policy a host
/// could run.
/// </summary>
public sealed class OracleOrder : IEvictionOrder
{
    private readonly Dictionary<string, List<DateTimeOffset>> _uses = new(StringComparer.Ordinal);

    public OracleOrder(Trace trace)
    {
        foreach (var e in trace.Events)
        {
            if (e.Image is { } image)
            {
                Add(_uses, image.Id, e.Time);
            }
        }
    }

    public string Name => "oracle";

    public string Describe(CandidateFacts c) => "next use known from the trace";

    public double Score(CandidateFacts c) => -Next(c.Image.Id, c.Now).UtcTicks;

    private DateTimeOffset Next(string id, DateTimeOffset now)
    {
        if (!_uses.TryGetValue(id, out var times))
        {
            return DateTimeOffset.MaxValue;
        }

        var i = times.BinarySearch(now);
        i = i < 0 ? ~i : i + 1;
        return i < times.Count ? times[i] : DateTimeOffset.MaxValue;
    }

    private static void Add(Dictionary<string, List<DateTimeOffset>> map, string key, DateTimeOffset t)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        list.Add(t);
    }
}
