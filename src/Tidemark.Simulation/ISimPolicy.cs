using Tidemark.Simulation.Traces;

namespace Tidemark.Simulation;

/// <summary>
/// A cache policy under simulation. Real policies act only at their own decision points — a
/// timer tick, or right after an event in watch mode — never in the middle of a pull. Only the
/// offline references (<see cref="OnDemand"/>) may make room just before a pull.
/// </summary>
public interface ISimPolicy
{
    string Name { get; }

    /// <summary>True for the bounds that act on demand and may look ahead; never for a real policy.</summary>
    bool OnDemand => false;

    /// <summary>Sees every event after the simulator applied it (a ledger listening to events).</summary>
    void Observe(TraceEvent e, SimHost host)
    {
    }

    void OnTick(SimHost host)
    {
    }

    /// <summary>Right after a pull completed (watch-mode decision point).</summary>
    void AfterPull(SimHost host, TraceImage image, long downloaded)
    {
    }

    /// <summary>Right after a run started, before its first pull (where `tidemark prepare` is called).</summary>
    void AfterRunStart(SimHost host, LiveRun run)
    {
    }

    /// <summary>Right after a run ended and its containers went (watch-mode decision point).</summary>
    void AfterRunEnd(SimHost host)
    {
    }

    /// <summary>On-demand bounds only: make room for a pull that needs <paramref name="bytes"/>.</summary>
    void MakeRoom(SimHost host, TraceImage image, long bytes)
    {
    }
}
