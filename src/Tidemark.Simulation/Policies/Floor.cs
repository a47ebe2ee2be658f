namespace Tidemark.Simulation.Policies;

/// <summary>
/// The compulsory-miss lower bound: an infinite disk, so every distinct layer is downloaded
/// exactly once. No policy can download less. Run it with an unbounded disk.
/// </summary>
public sealed class Floor : ISimPolicy
{
    /// <summary>A disk no trace fills.</summary>
    public const long InfiniteDisk = long.MaxValue / 4;

    public string Name => "floor";

    public bool OnDemand => true;
}
