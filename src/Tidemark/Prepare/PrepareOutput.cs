using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Tidemark.Cli.Output;
using Tidemark.Cli.Pipeline;
using Tidemark.Core.Inventory;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Core.Text;

namespace Tidemark.Cli.Prepare;

/// <summary>
/// A prepare's report: one line per decision on stdout as it is made ("prepare: …"), pull progress
/// on stderr, and a failure as one line on stderr too; or, with --json, one JSON object at the end
/// (docs/json-output.md). Every value is escaped.
/// </summary>
public sealed class PrepareOutput(CliConsole console, bool json, PrepareReport report)
{
    public bool Json => json;

    private void Say(string line)
    {
        if (!json)
        {
            console.Out.WriteLine("prepare: " + line);
        }
    }

    public void Note(string note)
    {
        report.Notes.Add(note);
        Say(Safe.Line($"{note}"));
    }

    /// <summary>Waiting for a lock: on stderr, so a CI log shows why it pauses, JSON or not.</summary>
    public void Waiting(string line)
    {
        report.Notes.Add(line);
        console.Error.WriteLine(Safe.Line($"tidemark: prepare: {line}"));
    }

    public void Item(PrepareItem item) =>
        Say(Safe.Line($"{item.Target.Display} ({item.Target.Request.Source}) {item.Detail}"));

    public void Room(RoomPlan room)
    {
        Say(Safe.Line($"room: {room.Target}"));
        foreach (var review in room.Reviews.Where(r => r.Removed))
        {
            Say(Safe.Line($"remove {review.Image.DisplayName} ({review.Why})"));
        }

        foreach (var review in room.Reviews.Where(r => !r.Removed))
        {
            Say(Safe.Line($"keep   {review.Image.DisplayName} ({review.Why})"));
        }

        if (room.Headroom is { } headroom)
        {
            Say(Safe.Line($"note: {headroom}"));
        }

        if (room.Shortfall is { } shortfall)
        {
            Say(Safe.Line($"{shortfall}"));
        }
        else if (room.Actions.Count > 0)
        {
            Say(Safe.Line($"plan: remove {room.Actions.Count} images, about {ByteSize.Format(room.FreedBytes)}; after the pulls the disk will be at about {room.PercentAfter}%"));
        }
    }

    public void Removed(ActionReport step)
    {
        var item = step.Action.Items[0];
        Say(step.Status switch
        {
            ActionStatus.Done => Safe.Line($"removed {item.Name}: about {ByteSize.Format(step.ReclaimedBytes ?? 0)} freed"),
            ActionStatus.Skipped => Safe.Line($"skipped {item.Name}: {step.Message}"),
            ActionStatus.Interrupted => Safe.Line($"interrupted {item.Name}: {step.Message}"),
            _ => Safe.Line($"failed {item.Name}: {step.Message}"),
        });
    }

    public void AfterRemovals(PrepareReport r, RoomPlan room, DiskReading after)
    {
        var done = r.Removals.Count(a => a.Status == ActionStatus.Done);
        Say(Safe.Line($"removals done: {done} of {room.Actions.Count} images removed, about {ByteSize.Format(r.Removals.Sum(a => a.Status == ActionStatus.Done ? a.ReclaimedBytes ?? 0 : 0))} by the plan's figures; " +
            $"disk {after.Display} now at {after.UsedPercent}% (was {room.Disk.UsedPercent}%), {ByteSize.Format(after.AvailableBytes)} available, used bytes down {ByteSize.Format(room.Disk.UsedBytes - after.UsedBytes)} measured"));
    }

    public void Pulled(PrepareItem item)
    {
        var p = item.Pull!;
        if (p.Failure is { } failure)
        {
            Say(Safe.Line($"pull {item.Target.Display}: failed after {Seconds(p.Wall)}: {failure.Message}"));
            return;
        }

        var present = p.UpToDate ? "all already present (up to date)" : $"{p.LayersExisting} already present";
        Say(Safe.Line($"pull {item.Target.Display}: {Seconds(p.Wall)}, {p.Layers.Count} layers: {p.LayersDownloaded} downloaded ({ByteSize.Format(p.BytesDownloaded)}), {present}"));
    }

    /// <summary>The last line (and, with --json, the document); returns <paramref name="exitCode"/>.</summary>
    public int Finish(int exitCode, string outcome)
    {
        report.ExitCode = exitCode;
        report.Outcome = outcome;
        if (json)
        {
            Write();
        }
        else
        {
            Say(Safe.Line($"{outcome}"));
        }

        return exitCode;
    }

    /// <summary>A failure: one line on stderr (and the document, or an error object, on stdout with --json).</summary>
    public int Fail(CommandFailure failure)
    {
        report.ExitCode = failure.ExitCode;
        report.Outcome ??= failure.Message;
        if (json)
        {
            if (report.Room is null && report.Items.Count == 0)
            {
                JsonReport.WriteError(console.Out, failure.ExitCode, failure.Message);
            }
            else
            {
                report.Outcome = failure.Message;
                Write();
            }
        }

        console.Fail(failure.Message);
        return failure.ExitCode;
    }

    private void Write()
    {
        using var buffer = new MemoryStream();
        using (var j = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            j.WriteStartObject();
            j.WriteString("command", "prepare");
            j.WriteBoolean("dryRun", report.DryRun);
            j.WriteStartArray("images");
            foreach (var item in report.Items)
            {
                Image(j, item);
            }

            j.WriteEndArray();
            if (report.Room is { } room)
            {
                Disk(j, "disk", room.Disk);
                j.WriteStartObject("room");
                j.WriteNumber("neededBytes", room.NeededBytes);
                j.WriteNumber("hardBytes", room.HardBytes);
                j.WriteNumber("softBytes", room.SoftBytes);
                j.WriteNumber("freedBytes", room.FreedBytes);
                j.WriteBoolean("made", room.RoomMade);
                j.WriteNumber("percentAfter", room.PercentAfter);
                j.WriteString("target", room.Target);
                j.WriteString("shortfall", room.Shortfall);
                j.WriteString("headroom", room.Headroom);
                j.WriteEndObject();
                j.WriteStartArray("removals");
                foreach (var r in report.Removals)
                {
                    var item = r.Action.Items[0];
                    j.WriteStartObject();
                    j.WriteString("id", item.Id);
                    j.WriteString("name", item.Name);
                    j.WriteNumber("bytes", item.Bytes);
                    j.WriteString("why", item.Why);
                    j.WriteString("status", JsonNamingPolicy.CamelCase.ConvertName(r.Status.ToString()));
                    if (r.Message is { } message)
                    {
                        j.WriteString("message", message);
                    }

                    j.WriteEndObject();
                }

                j.WriteEndArray();
                j.WriteStartArray("kept");
                foreach (var k in room.Reviews.Where(r => !r.Removed))
                {
                    j.WriteStartObject();
                    j.WriteString("id", k.Image.Id);
                    j.WriteString("name", k.Image.DisplayName);
                    j.WriteString("why", k.Why);
                    j.WriteEndObject();
                }

                j.WriteEndArray();
            }

            if (report.DiskAfterRemovals is { } after)
            {
                Disk(j, "diskAfterRemovals", after);
            }

            j.WriteStartArray("reservations");
            foreach (var r in report.Reservations)
            {
                j.WriteStartObject();
                j.WriteString("owner", r.Owner);
                j.WriteNumber("bytes", r.Bytes);
                j.WriteStartArray("images");
                foreach (var (reference, _) in r.Images)
                {
                    j.WriteStringValue(reference);
                }

                j.WriteEndArray();
                j.WriteEndObject();
            }

            j.WriteEndArray();
            j.WriteString("besideWatch", report.BesideWatch?.Trim());
            j.WriteBoolean("ledgerSaved", report.LedgerSaved);
            j.WriteStartArray("notes");
            foreach (var note in report.Notes)
            {
                j.WriteStringValue(note);
            }

            j.WriteEndArray();
            j.WriteString("outcome", report.Outcome);
            j.WriteNumber("exitCode", report.ExitCode);
            j.WriteEndObject();
        }

        console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void Image(Utf8JsonWriter j, PrepareItem item)
    {
        j.WriteStartObject();
        j.WriteString("reference", item.Target.Canonical);
        j.WriteString("input", item.Target.Request.Input);
        j.WriteString("source", item.Target.Request.Source);
        j.WriteString("state", JsonNamingPolicy.CamelCase.ConvertName(item.State.ToString()));
        if (item.Here is { } here)
        {
            j.WriteString("imageId", here.Id);
        }

        j.WriteString("detail", item.Detail);
        if (item.Estimate is { } e)
        {
            j.WriteStartObject("estimate");
            j.WriteString("basis", PullEstimate.BasisName(e.Basis));
            j.WriteNumber("neededBytes", e.NeededBytes);
            j.WriteNumber("unpackedBytes", e.UnpackedBytes);
            j.WriteNumber("downloadBytes", e.DownloadBytes);
            j.WriteNumber("layers", e.Layers);
            j.WriteNumber("layersHere", e.LayersHere.Count);
            if (e.Factor is { } factor)
            {
                j.WriteNumber("factor", factor);
            }

            j.WriteString("explanation", e.Explanation);
            j.WriteEndObject();
        }

        if (item.Pull is { } p)
        {
            j.WriteStartObject("pull");
            j.WriteNumber("seconds", Math.Round(p.Wall.TotalSeconds, 3));
            j.WriteBoolean("succeeded", p.Succeeded);
            if (p.Failure is { } failure)
            {
                j.WriteString("failure", JsonNamingPolicy.CamelCase.ConvertName(failure.Kind.ToString()));
                j.WriteString("message", failure.Message);
            }

            j.WriteNumber("layers", p.Layers.Count);
            j.WriteNumber("layersDownloaded", p.LayersDownloaded);
            j.WriteNumber("layersExisting", p.LayersExisting);
            j.WriteNumber("bytesDownloaded", p.BytesDownloaded);
            j.WriteBoolean("upToDate", p.UpToDate);
            j.WriteEndObject();
        }

        j.WriteEndObject();
    }

    private static void Disk(Utf8JsonWriter j, string name, DiskReading d)
    {
        j.WriteStartObject(name);
        j.WriteString("path", d.Path);
        j.WriteNumber("usedPercent", d.UsedPercent);
        j.WriteNumber("usedBytes", d.UsedBytes);
        j.WriteNumber("availableBytes", d.AvailableBytes);
        j.WriteNumber("totalBytes", d.TotalBytes);
        j.WriteEndObject();
    }

    private static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.00} s");

}
