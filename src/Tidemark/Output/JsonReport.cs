using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Tidemark.Core.Inventory;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;

namespace Tidemark.Cli.Output;

/// <summary>The --json document: one object per invocation, documented in docs/json-output.md.</summary>
public static class JsonReport
{
    // Operators read this too: keep '+', '<' and non-ASCII names as they are.
    private static readonly OutputJsonContext Context = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <param name="jsonEvent">watch: what the object is in the stream ("cycle"); null for plan and run.</param>
    public static void Write(TextWriter w, RunReport report, string configSource, string endpoint, string version, int low, int high, string? jsonEvent = null)
    {
        var doc = new ReportDocument(
            jsonEvent,
            jsonEvent is null ? null : report.TakenAt,
            report.Command,
            version,
            configSource,
            report.Allowed,
            report.Critical,
            report.DryRun,
            new DaemonDocument(report.Daemon.Version, report.Daemon.ApiVersion, endpoint, report.Daemon.DataRoot,
                report.Daemon.Swarm.ToString().ToLowerInvariant()),
            Disk(report.Disk, low, high),
            report.Gates.Select(g => new GateDocument(g.Name, g.Passed, g.Reason)).ToList(),
            report.Actions.Select(Action).ToList(),
            report.Notes.ToList(),
            report.EstimatedBytes,
            report.ReclaimedBytes,
            report.MeasuredBytes,
            report.DiskAfter is { } after ? Disk(after, low, high) : null,
            report.Stage2 is { } s2 ? Stage2(s2) : null,
            report.Halt is { } halt ? new HaltDocument(HaltName(halt.Kind), halt.Reason) : null,
            ReportSummary.For(report));
        w.WriteLine(JsonSerializer.Serialize(doc, Context.ReportDocument));
    }

    /// <summary>One watch event as a JSON line.</summary>
    public static string Event(string evt, DateTimeOffset time, string message) =>
        JsonSerializer.Serialize(new WatchEventDocument(evt, time, message), Context.WatchEventDocument);

    public static void WriteError(TextWriter w, int exitCode, string message) =>
        w.WriteLine(JsonSerializer.Serialize(new ErrorDocument(new ErrorBody(exitCode, message)), Context.ErrorDocument));

    private static DiskDocument Disk(DiskReading d, int low, int high) => new(
        d.Path, d.UsedPercent, d.TotalBytes, d.UsedBytes, d.AvailableBytes, d.InodeUsedPercent, high, low);

    private static Stage2Document Stage2(Stage2Plan plan) => new(
        plan.TargetBytes,
        plan.FreedBytes,
        plan.Shortfall,
        plan.Reviews.Select(r => new ImageReviewDocument(
            r.Image.Id,
            r.Image.DisplayName,
            [.. r.Image.RepoTags],
            r.LastUsed,
            (long)(plan.Now - r.LastUsed).TotalSeconds,
            r.UniqueBytes,
            r.FreedBytes,
            r.Verdict == Verdict.Remove ? "remove" : "keep",
            VerdictName(r.Verdict),
            r.Why,
            r.Used,
            r.LastUseAssumed)).ToList());

    private static string HaltName(HaltKind kind) => kind switch
    {
        HaltKind.GateClosed => "gate-closed",
        HaltKind.Signal => "signal",
        HaltKind.DaemonLost => "daemon-lost",
        HaltKind.LockLost => "lock-lost",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string VerdictName(Verdict v) => v switch
    {
        Verdict.Remove => "remove",
        Verdict.InUse => "in-use",
        Verdict.Service => "service",
        Verdict.Protected => "protected",
        Verdict.TooYoung => "too-young",
        Verdict.HasChildren => "has-children",
        Verdict.FreesNothing => "frees-nothing",
        Verdict.TargetMet => "target-met",
        Verdict.NoLayerFacts => "no-layer-facts",
        _ => v.ToString().ToLowerInvariant(),
    };

    private static ActionDocument Action(ActionReport a) => new(
        a.Action.Stage,
        ActionKinds.Name(a.Action.Kind),
        a.Action.Target,
        a.Action.EstimatedBytes,
        a.Status.ToString().ToLowerInvariant(),
        a.ReclaimedBytes,
        a.RemovedCount,
        a.Message,
        a.Action.Items.Select(i => new ItemDocument(i.Id, i.Name, i.Bytes, i.Why)).ToList());
}

public sealed record ReportDocument(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Event,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? Time,
    string Command,
    string Version,
    string Config,
    bool Allowed,
    bool Critical,
    bool DryRun,
    DaemonDocument Daemon,
    DiskDocument Disk,
    List<GateDocument> Gates,
    List<ActionDocument> Actions,
    List<string> Notes,
    long EstimatedBytes,
    long ReclaimedBytes,
    long? MeasuredBytes,
    DiskDocument? DiskAfter,
    Stage2Document? Stage2,
    HaltDocument? Halt,
    string Summary);

/// <summary>Why the run stopped before the end of its plan.</summary>
public sealed record HaltDocument(string Kind, string Reason);

public sealed record Stage2Document(long TargetBytes, long FreedBytes, string? Shortfall, List<ImageReviewDocument> Images);

public sealed record ImageReviewDocument(
    string Id,
    string Name,
    List<string> Tags,
    DateTimeOffset LastUsed,
    long LastUsedAgeSeconds,
    long UniqueBytes,
    long FreedBytes,
    string Decision,
    string Reason,
    string Why,
    bool Used,
    bool LastUseAssumed);

public sealed record DaemonDocument(string Version, string ApiVersion, string Endpoint, string DataRoot, string Swarm);

public sealed record DiskDocument(
    string Path,
    int UsedPercent,
    long TotalBytes,
    long UsedBytes,
    long AvailableBytes,
    int InodesUsedPercent,
    int HighWatermarkPercent,
    int LowWatermarkPercent);

public sealed record GateDocument(string Name, bool Passed, string Reason);

public sealed record ActionDocument(
    int Stage,
    string Kind,
    string Target,
    long Bytes,
    string Status,
    long? ReclaimedBytes,
    int? Removed,
    string? Message,
    List<ItemDocument> Items);

public sealed record ItemDocument(string Id, string Name, long Bytes, string Why);

public sealed record ErrorDocument(ErrorBody Error);

/// <summary>watch --json: started, daemon-unavailable, daemon-lost, daemon-back, recording, ledger-trusted, cycle-failed, stopped.</summary>
public sealed record WatchEventDocument(string Event, DateTimeOffset Time, string Message);

public sealed record ErrorBody(int ExitCode, string Message);

[JsonSerializable(typeof(ReportDocument))]
[JsonSerializable(typeof(ErrorDocument))]
[JsonSerializable(typeof(WatchEventDocument))]
public sealed partial class OutputJsonContext : JsonSerializerContext
{
}
