using System.Text.Json;

namespace Tidemark.Simulation.Traces;

/// <summary>A trace line that could not be read: the line number and what is wrong.</summary>
public sealed record TraceError(int Line, string Message)
{
    public override string ToString() => $"line {Line}: {Message}";
}

/// <summary>
/// Reads and writes traces as JSON Lines. Parsing is strict: a malformed line is an error that
/// names its number, never skipped.
/// </summary>
public static class TraceFormat
{
    public static (Trace? Trace, TraceError? Error) Parse(IEnumerable<string> lines)
    {
        var events = new List<TraceEvent>();
        var images = new Dictionary<string, TraceImage>(StringComparer.Ordinal);
        long? disk = null;
        string? description = null;
        var number = 0;
        DateTimeOffset? previous = null;
        foreach (var raw in lines)
        {
            number++;
            var text = raw.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            TraceLine? line;
            try
            {
                line = JsonSerializer.Deserialize(text, TraceJsonContext.Default.TraceLine);
            }
            catch (JsonException e)
            {
                return (null, new TraceError(number, $"not a trace line: {Tidemark.Core.Text.JsonMessages.Describe(e)}"));
            }

            if (line is null)
            {
                return (null, new TraceError(number, "empty line"));
            }

            if (line.Kind == "meta")
            {
                if (events.Count > 0)
                {
                    return (null, new TraceError(number, "\"meta\" may only be the first line"));
                }

                if (line.Disk is < 0)
                {
                    return (null, new TraceError(number, "\"disk\" must be a number of bytes"));
                }

                disk = line.Disk is > 0 ? line.Disk : null;
                description = line.Description;
                continue;
            }

            if (line.Time is not { } time)
            {
                return (null, new TraceError(number, "missing \"time\""));
            }

            if (previous is { } p && time < p)
            {
                return (null, new TraceError(number, $"time {time:O} is before the previous line's {p:O}: lines must be in time order"));
            }

            previous = time;
            var (ev, error) = ToEvent(line, time, images);
            if (error is not null)
            {
                return (null, new TraceError(number, error));
            }

            events.Add(ev!);
        }

        return (new Trace(events, disk, description), null);
    }

    private static (TraceEvent? Event, string? Error) ToEvent(TraceLine line, DateTimeOffset time, Dictionary<string, TraceImage> images)
    {
        switch (line.Kind)
        {
            case "tick":
                return (new TraceEvent(time, TraceKind.Tick), null);
            case "run-start":
            case "run-end":
                if (string.IsNullOrEmpty(line.Run))
                {
                    return (null, $"\"{line.Kind}\" needs \"run\"");
                }

                return (new TraceEvent(time, line.Kind == "run-start" ? TraceKind.RunStart : TraceKind.RunEnd, Run: line.Run, Stack: line.Stack), null);
            case "pull":
            case "use":
                var (image, error) = ImageOf(line, images);
                return error is not null
                    ? (null, error)
                    : (new TraceEvent(time, line.Kind == "pull" ? TraceKind.Pull : TraceKind.Use, image, line.Run), null);
            case null:
                return (null, "missing \"kind\"");
            default:
                return (null, $"unknown kind \"{line.Kind}\" (expected pull, use, run-start, run-end, tick or meta)");
        }
    }

    private static (TraceImage? Image, string? Error) ImageOf(TraceLine line, Dictionary<string, TraceImage> images)
    {
        if (string.IsNullOrEmpty(line.Id))
        {
            return (null, $"\"{line.Kind}\" needs the image \"id\"");
        }

        if (line.Layers is null)
        {
            // Layers may be given once, at the image's first line.
            return images.TryGetValue(line.Id, out var known)
                ? (line.Ref is { } r && r != known.Reference ? known with { Reference = r } : known, null)
                : (null, $"image {line.Id} has no \"layers\" and was not described on an earlier line");
        }

        if (string.IsNullOrEmpty(line.Ref))
        {
            return (null, $"\"{line.Kind}\" needs the image reference \"ref\"");
        }

        var layers = new List<TraceLayer>();
        for (var i = 0; i < line.Layers.Count; i++)
        {
            var l = line.Layers[i];
            if (string.IsNullOrEmpty(l.Digest) || l.Size is not >= 0 || l.Compressed is not >= 0)
            {
                return (null, $"layer {i + 1} needs \"digest\", and \"compressed\" and \"size\" as byte counts >= 0");
            }

            layers.Add(new TraceLayer(l.Digest, l.Compressed.Value, l.Size.Value));
        }

        if (layers.Count == 0)
        {
            return (null, "an image needs at least one layer");
        }

        var image = new TraceImage(line.Id, line.Ref, line.Created ?? line.Time!.Value, layers);
        images[line.Id] = image;
        return (image, null);
    }

    /// <summary>One JSON line for an event; an image's layers are written at its first appearance only.</summary>
    public static string Format(TraceEvent e, ISet<string> described)
    {
        var line = new TraceLine
        {
            Time = e.Time,
            Kind = e.Kind switch
            {
                TraceKind.Pull => "pull",
                TraceKind.Use => "use",
                TraceKind.RunStart => "run-start",
                TraceKind.RunEnd => "run-end",
                _ => "tick",
            },
            Run = e.Run,
            Stack = e.Stack,
        };
        if (e.Image is { } image)
        {
            line.Id = image.Id;
            line.Ref = image.Reference;
            if (described.Add(image.Id))
            {
                line.Created = image.Created;
                line.Layers = image.Layers.Select(l => new TraceLayerLine { Digest = l.Digest, Compressed = l.Compressed, Size = l.Size }).ToList();
            }
        }

        return JsonSerializer.Serialize(line, TraceJsonContext.Default.TraceLine);
    }

    public static string FormatMeta(long? disk, string? description) =>
        JsonSerializer.Serialize(new TraceLine { Kind = "meta", Disk = disk, Description = description }, TraceJsonContext.Default.TraceLine);
}
