namespace Tidemark.Simulation.Policies;

/// <summary>
/// `docker system prune -af --filter until=24h` once a day (NixOS autoPrune): every image no
/// container uses whose creation date is over 24 h old goes — and `until` compares the image's
/// creation date, so nearly every upstream image qualifies.
/// </summary>
public sealed class AutopruneDaily : ISimPolicy, ICountsRemovals
{
    private DateOnly? _lastDay;

    public string Name => "autoprune-daily";

    public long Removals { get; private set; }

    public void OnTick(SimHost host)
    {
        var day = DateOnly.FromDateTime(host.Now.UtcDateTime);
        if (_lastDay == day)
        {
            return;
        }

        _lastDay = day;
        var cutoff = host.Now.AddHours(-24);
        foreach (var image in host.Store.Images.Values.Where(i => i.Created <= cutoff).ToList())
        {
            if (host.Store.Remove(image.Id) is not null)
            {
                Removals++;
            }
        }
    }
}
