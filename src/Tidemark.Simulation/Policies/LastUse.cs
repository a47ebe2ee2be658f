using Tidemark.Simulation.Traces;

namespace Tidemark.Simulation.Policies;

/// <summary>Last use per image as the baselines track it: the last pull or container creation.</summary>
public sealed class LastUse
{
    private readonly Dictionary<string, DateTimeOffset> _last = new(StringComparer.Ordinal);

    public void Observe(TraceEvent e)
    {
        if (e.Image is { } image)
        {
            _last[image.Id] = e.Time;
        }
    }

    public DateTimeOffset Of(string imageId) => _last.GetValueOrDefault(imageId);

    /// <summary>Present images nobody uses, least recently used first.</summary>
    public IEnumerable<TraceImage> OldestFirst(SimHost host) =>
        host.Store.Images.Values
            .Where(i => !host.Store.IsInUse(i.Id))
            .OrderBy(i => Of(i.Id))
            .ThenBy(i => i.Id, StringComparer.Ordinal);
}
