using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Tidemark.Cli.Output;
using Tidemark.Core.Text;

namespace Tidemark.Cli.Probe;

/// <summary>The probe's report: lines for a person or journald, or one JSON object (docs/json-output.md).</summary>
public static class ProbeOutput
{
    /// <summary>What follows the step lines: cleanup problems and the verdict.</summary>
    public static IEnumerable<string> Lines(ProbeResult r)
    {
        foreach (var problem in r.CleanupProblems)
        {
            yield return Safe.Line($"cleanup: {problem}");
        }

        if (r.DeployFailure is { } failed)
        {
            yield return Safe.Line($"verdict: inconclusive: the deploy failed, so nothing was torn down ({failed})");
        }

        if (r.Retained is { } retained)
        {
            var cold = r.First.Pull;
            var warm = r.Second!.Pull;
            var figures = $"{r.First.Label} {Seconds(cold.Wall)}, {cold.LayersDownloaded} layers, {ByteSize.Format(cold.BytesDownloaded)}; " +
                $"warm {Seconds(warm.Wall)}, {warm.LayersDownloaded} layers, {ByteSize.Format(warm.BytesDownloaded)}";
            yield return retained
                ? Safe.Line($"verdict: cache retained: after a teardown the image stayed and the warm pull downloaded 0 layers ({figures})")
                : r.PresentAfterTeardown == false
                    ? Safe.Line($"verdict: cache NOT retained: the image was gone after the teardown ({figures}); look for another pruner (tidemark doctor)")
                    : Safe.Line($"verdict: cache NOT retained: the warm pull downloaded {warm.LayersDownloaded} layers ({figures})");
            if (r.PresentBefore)
            {
                yield return "note: the image was present before the probe, so the first pull was not cold: remove it first (docker rmi) for cold figures";
            }
            else if (cold.LayersDownloaded == 0 && cold.Succeeded)
            {
                yield return "note: the cold pull downloaded nothing: every layer was already on this host (shared with other images)";
            }
        }
    }

    public static string Line(PullStep step)
    {
        var p = step.Pull;
        if (p.Failure is { } failure)
        {
            return Safe.Line($"{Name(step)}: failed after {Seconds(p.Wall)}: {failure.Message}");
        }

        var layers = step.ImageLayers is { } n ? $"{n} layer{(n == 1 ? "" : "s")}" : "layers unknown";
        var unsized = p.LayersWithoutSize > 0 ? $" (+{p.LayersWithoutSize} whose size the daemon did not report)" : "";
        // An up-to-date pull names no layer at all: every one of the image's layers was here.
        var present = p.UpToDate ? "all already present (the registry's image is the one here: up to date)" : $"{p.LayersExisting} already present";
        return Safe.Line($"{Name(step)}: {Seconds(p.Wall)}, image of {layers}: {p.LayersDownloaded} downloaded ({ByteSize.Format(p.BytesDownloaded)}{unsized}), {present}");
    }

    public static void WriteJson(TextWriter w, ProbeResult r, int exitCode)
    {
        using var buffer = new MemoryStream();
        using (var j = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            j.WriteStartObject();
            j.WriteString("command", "probe");
            j.WriteString("image", r.Target.Reference);
            j.WriteString("registry", r.Target.Registry);
            j.WriteBoolean("presentBefore", r.PresentBefore);
            j.WriteBoolean("cycle", r.Cycle);
            Pull(j, "first", r.First);
            Deploy(j, "deploy", r.Deploy);
            if (r.PresentAfterTeardown is { } present)
            {
                j.WriteBoolean("presentAfterTeardown", present);
            }

            if (r.Second is { } second)
            {
                Pull(j, "second", second);
            }

            Deploy(j, "redeploy", r.Redeploy);
            if (r.Retained is { } retained)
            {
                j.WriteBoolean("retained", retained);
            }

            j.WriteStartArray("cleanupProblems");
            foreach (var problem in r.CleanupProblems)
            {
                j.WriteStringValue(problem);
            }

            j.WriteEndArray();
            j.WriteNumber("exitCode", exitCode);
            j.WriteEndObject();
        }

        w.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void Pull(Utf8JsonWriter j, string name, PullStep step)
    {
        var p = step.Pull;
        j.WriteStartObject(name);
        j.WriteString("label", step.Label);
        j.WriteNumber("seconds", Math.Round(p.Wall.TotalSeconds, 3));
        j.WriteBoolean("succeeded", p.Succeeded);
        if (p.Failure is { } failure)
        {
            j.WriteString("failure", JsonNamingPolicy.CamelCase.ConvertName(failure.Kind.ToString()));
            j.WriteString("message", failure.Message);
        }

        if (step.ImageLayers is { } n)
        {
            j.WriteNumber("imageLayers", n);
        }

        j.WriteNumber("layersDownloaded", p.LayersDownloaded);
        j.WriteNumber("layersExisting", p.LayersExisting);
        j.WriteNumber("bytesDownloaded", p.BytesDownloaded);
        j.WriteNumber("layersWithoutSize", p.LayersWithoutSize);
        j.WriteBoolean("upToDate", p.UpToDate);
        if (p.Digest is { } digest)
        {
            j.WriteString("digest", digest);
        }

        j.WriteStartArray("layers");
        foreach (var l in p.Layers)
        {
            j.WriteStartObject();
            j.WriteString("id", l.Id);
            j.WriteString("stage", JsonNamingPolicy.CamelCase.ConvertName(l.Stage.ToString()));
            if (l.Total is { } total)
            {
                j.WriteNumber("bytes", total);
            }

            j.WriteEndObject();
        }

        j.WriteEndArray();
        j.WriteEndObject();
    }

    private static void Deploy(Utf8JsonWriter j, string name, DeployStep? d)
    {
        if (d is null)
        {
            return;
        }

        j.WriteStartObject(name);
        j.WriteString("kind", d.Kind);
        j.WriteString("name", d.Name);
        if (d.TaskState is { } state)
        {
            j.WriteString("taskState", state);
        }

        if (d.TaskError is { } taskError)
        {
            j.WriteString("taskError", taskError);
        }

        j.WriteBoolean("removed", d.Removed);
        j.WriteNumber("teardownSeconds", Math.Round(d.Teardown.TotalSeconds, 3));
        if (d.Error is { } error)
        {
            j.WriteString("error", error);
        }

        j.WriteEndObject();
    }

    private static string Name(PullStep step) => step.Label == "pull" ? "pull" : $"pull {step.Label}";

    private static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.00} s");
}
