using Tidemark.Core.Reporting;

namespace Tidemark.Core.Cycles;

/// <summary>Told what a cycle does as it happens, so the output can follow it.</summary>
public interface ICycleObserver
{
    /// <summary>The decision, before anything is carried out.</summary>
    void Planned(RunReport planned);

    /// <summary>One step, as soon as it is done.</summary>
    void Step(ActionReport step);

    /// <summary>A line of progress on slow reading (layers of a large store).</summary>
    void Progress(string line);
}
