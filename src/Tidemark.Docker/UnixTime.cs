namespace Tidemark.Docker;

/// <summary>Unix times from the daemon, clamped to what a DateTimeOffset holds: a wild value is an odd date, not a crash.</summary>
public static class UnixTime
{
    private static readonly long MaxSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    public static DateTimeOffset FromSeconds(long seconds) =>
        DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, MaxSeconds));

    public static DateTimeOffset FromNanoseconds(long nanoseconds) =>
        DateTimeOffset.UnixEpoch.AddTicks(Math.Max(0, nanoseconds) / 100);
}
