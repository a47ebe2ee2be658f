using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Docker.Models;
using Tidemark.Simulation.Traces;

namespace Tidemark.Cli.State;

/// <summary>
/// `tidemark watch --record FILE`: writes the host's own history as a trace (docs/traces.md) so
/// that a user can replay their real workload against the policies. Pulls and container
/// creations become pull and use lines; containers matching the busy selectors open and close
/// runs (one per stack, else per container); a tick line is written every 5 minutes.
/// Download sizes are not known locally, so a layer's compressed size is recorded as its size
/// (an upper bound).
/// </summary>
public sealed class TraceRecorder : IDisposable
{
    public static readonly TimeSpan TickEvery = TimeSpan.FromMinutes(5);

    private readonly StreamWriter _writer;
    private readonly BusySelector _busy;
    private readonly HashSet<string> _described = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _runOf = new(StringComparer.Ordinal);
    private DateTimeOffset _nextTick = DateTimeOffset.MinValue;

    public TraceRecorder(string path, BusySelector busy, long diskBytes, string description)
    {
        _writer = new StreamWriter(path, append: false) { AutoFlush = false };
        _busy = busy;
        _writer.WriteLine(TraceFormat.FormatMeta(diskBytes, description));
        _writer.Flush();
    }

    public string? LastError { get; private set; }

    /// <summary>A tick line when 5 minutes have passed since the last.</summary>
    public void Tick(DateTimeOffset now)
    {
        if (now >= _nextTick)
        {
            _nextTick = now + TickEvery;
            Write(new TraceEvent(now, TraceKind.Tick));
        }
    }

    /// <param name="image">The image the event used, resolved and with its layer facts, or null.</param>
    public void Record(EngineEvent e, DateTimeOffset time, UsageEvent? use, ImageRecord? image, IReadOnlyList<LayerFact>? layers)
    {
        Tick(time);
        if (e.Type == "container")
        {
            RecordContainer(e, time, use, image, layers);
        }
        else if (use is { Kind: UsageKind.ImageArrived } && image is not null && layers is not null && e.Action == "pull")
        {
            Write(new TraceEvent(time, TraceKind.Pull, ToTrace(image, use.Reference, layers)));
        }

        _writer.Flush();
    }

    private void RecordContainer(EngineEvent e, DateTimeOffset time, UsageEvent? use, ImageRecord? image, IReadOnlyList<LayerFact>? layers)
    {
        var id = e.Actor?.Id ?? "";
        var attributes = e.Actor?.Attributes ?? [];
        switch (e.Action)
        {
            case "create":
                var run = RunOf(attributes);
                if (run is not null)
                {
                    _runOf[id] = run;
                    if (!_live.ContainsKey(run))
                    {
                        _live[run] = [];
                        attributes.TryGetValue(ServiceRecord.StackLabel, out var stack);
                        Write(new TraceEvent(time, TraceKind.RunStart, Run: run, Stack: stack ?? run));
                    }

                    _live[run].Add(id);
                }

                if (use is { Kind: UsageKind.ContainerCreated } && image is not null && layers is not null)
                {
                    Write(new TraceEvent(time, TraceKind.Use, ToTrace(image, use.Reference, layers), run));
                }

                break;
            case "die" or "destroy":
                if (_runOf.Remove(id, out var ended) && _live.TryGetValue(ended, out var members))
                {
                    members.Remove(id);
                    if (members.Count == 0)
                    {
                        _live.Remove(ended);
                        Write(new TraceEvent(time, TraceKind.RunEnd, Run: ended));
                    }
                }

                break;
        }
    }

    /// <summary>The run a container belongs to: its stack, when busy by stack; else itself, when busy.</summary>
    private string? RunOf(IReadOnlyDictionary<string, string> attributes)
    {
        attributes.TryGetValue(ServiceRecord.StackLabel, out var stack);
        attributes.TryGetValue(ServiceRecord.TaskServiceLabel, out var service);
        attributes.TryGetValue("name", out var name);
        if (BusySelector.FirstMatch(_busy.Stacks, stack) is not null)
        {
            return stack;
        }

        var busy = BusySelector.FirstMatch(_busy.Services, service) is not null
            || BusySelector.FirstMatch(_busy.Containers, name) is not null
            || _busy.FirstLabelMatch(attributes) is not null;
        return busy ? stack ?? service ?? name : null;
    }

    private static TraceImage ToTrace(ImageRecord image, string? reference, IReadOnlyList<LayerFact> layers) => new(
        image.Id,
        reference is { Length: > 0 } r && !r.StartsWith("sha256:", StringComparison.Ordinal) ? r : image.DisplayName,
        image.Created,
        layers.Select(l => new TraceLayer(l.ChainId, l.Size, l.Size)).ToList());

    private void Write(TraceEvent e)
    {
        try
        {
            _writer.WriteLine(TraceFormat.Format(e, _described));
        }
        catch (IOException ex)
        {
            LastError = ex.Message;
        }
    }

    public void Dispose()
    {
        _writer.Flush();
        _writer.Dispose();
    }
}
