using Tidemark.Core.Cycles;
using Tidemark.Core.Reporting;

namespace Tidemark.Cli.Pipeline;

/// <summary>
/// watch mode's filter: a cycle is shown when it acts or when a gate's verdict changed since the
/// last one. A line on every tick of an idle host would be noise in journald.
/// </summary>
public sealed class QuietCycleObserver(ICycleObserver inner, string? lastVerdict) : ICycleObserver
{
    /// <summary>Whether this cycle was shown (so its summary is too).</summary>
    public bool Shown { get; private set; }

    public static string Verdict(RunReport report) => string.Join("|", report.Gates.Select(g => $"{g.Name}:{g.Passed}"));

    public void Planned(RunReport planned)
    {
        Shown = planned.Actions.Count > 0 || Verdict(planned) != lastVerdict;
        if (Shown)
        {
            inner.Planned(planned);
        }
    }

    public void Progress(string line)
    {
        // Reading a large store's layers happens before anything is shown: say it anyway, it is slow.
        inner.Progress(line);
    }

    public void Step(ActionReport step)
    {
        if (Shown)
        {
            inner.Step(step);
        }
    }
}
