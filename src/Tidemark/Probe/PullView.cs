using Tidemark.Cli.Output;
using Tidemark.Core.Text;
using Tidemark.Docker.Pull;

namespace Tidemark.Cli.Probe;

/// <summary>Shows a pull while it runs: on stderr, so stdout keeps only the report.</summary>
public interface IPullView
{
    void Started(string reference);

    void Changed(LayerChange change, IReadOnlyList<LayerProgress> layers);

    void Ended();
}

/// <summary>One line per layer that reaches a new stage: for journald, pipes and files.</summary>
public sealed class PlainPullView(TextWriter error) : IPullView
{
    private string _reference = "";

    public void Started(string reference)
    {
        _reference = reference;
        error.WriteLine(Safe.Line($"pull {reference}: started"));
    }

    public void Changed(LayerChange change, IReadOnlyList<LayerProgress> layers)
    {
        var layer = change.Layer;
        if (change.Before == layer.Stage)
        {
            return;
        }

        var what = layer.Stage switch
        {
            LayerStage.Existing => "already exists",
            LayerStage.Downloading => layer.Total is { } t ? $"downloading ({ByteSize.Format(t)})" : "downloading",
            LayerStage.Downloaded => layer.Total is { } t ? $"downloaded {ByteSize.Format(t)}" : "downloaded",
            _ => null,
        };
        if (what is not null)
        {
            error.WriteLine(Safe.Line($"pull {_reference}: layer {layer.Id} {what}"));
        }
    }

    public void Ended()
    {
    }
}

/// <summary>
/// A live table on a terminal: one row per layer with its bytes, redrawn in place at most ten
/// times a second (a fast pull sends thousands of messages).
/// </summary>
public sealed class LivePullView(TextWriter error, TimeProvider clock) : IPullView
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);
    private int _drawn;
    private DateTimeOffset _last = DateTimeOffset.MinValue;
    private IReadOnlyList<LayerProgress> _layers = [];

    public void Started(string reference) => error.WriteLine(Safe.Line($"pulling {reference}"));

    public void Changed(LayerChange change, IReadOnlyList<LayerProgress> layers)
    {
        _layers = layers;
        var now = clock.GetUtcNow();
        if (now - _last >= Every || change.Before != change.Layer.Stage)
        {
            Draw();
            _last = now;
        }
    }

    public void Ended() => Draw();

    private void Draw()
    {
        // Back to the first row, then every row rewritten in full (ESC[2K clears what was there).
        var up = _drawn > 0 ? $"\u001b[{_drawn}A" : "";
        var rows = _layers.Select(Row).ToList();
        error.Write(up + string.Concat(rows.Select(r => "\u001b[2K\r" + r + "\n")));
        error.Flush();
        _drawn = rows.Count;
    }

    private static string Row(LayerProgress l) => l.Stage switch
    {
        LayerStage.Existing => Safe.Line($"  {l.Id}  already exists"),
        LayerStage.Waiting => Safe.Line($"  {l.Id}  waiting"),
        LayerStage.Downloading => Safe.Line($"  {l.Id}  downloading {ByteSize.Format(l.Current)}{(l.Total is { } t ? " / " + ByteSize.Format(t) : "")}"),
        _ => Safe.Line($"  {l.Id}  downloaded {(l.Total is { } t ? ByteSize.Format(t) : "")}"),
    };
}
