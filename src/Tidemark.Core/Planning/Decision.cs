using Tidemark.Core.Configuration;
using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Text;

namespace Tidemark.Core.Planning;

/// <summary>What the policy decided for one snapshot: the gates' verdicts and, if they all pass, the plan.</summary>
/// <param name="Actions">Stage 1 then stage 2, in the order they are to be carried out.</param>
/// <param name="Notes">One line each on what the plan deliberately keeps, and why.</param>
/// <param name="Stage2">Stage 2's review of every tagged image, when stage 2 was planned.</param>
/// <param name="Critical">The disk is past the critical watermark: stage 2 acts though the idle or
/// converge gate holds, on images no container uses; the executor must not stop for those gates.</param>
public sealed record Decision(GateOutcome Gates, IReadOnlyList<PlannedAction> Actions, IReadOnlyList<string> Notes, Stage2Plan? Stage2 = null, bool Critical = false)
{
    public bool Allowed => Gates.AllPassed || Critical;

    public long EstimatedBytes => Actions.Sum(a => a.EstimatedBytes);
}

/// <summary>The usage knowledge stage 2 needs; null ledger means it could not be read this run.</summary>
public sealed record UsageView(UsageLedger? Ledger, IReadOnlyDictionary<string, IReadOnlyList<LayerFact>> Layers)
{
    public static UsageView None { get; } = new(null, new Dictionary<string, IReadOnlyList<LayerFact>>());
}

/// <summary>The policy entry point: snapshot in, decision out. No I/O. Production and simulator share it.</summary>
public sealed class Policy
{
    private readonly Settings _settings;
    private readonly BusySelector _selector;
    private readonly ConvergeRules _converge;
    private readonly ProtectList _protect;
    private readonly IEvictionOrder _order;

    public Policy(Settings settings, IEvictionOrder? order = null)
    {
        _settings = settings;
        _selector = BusySelector.Create(settings.Busy);
        _converge = ConvergeRules.Create(settings.Converge);
        _protect = new ProtectList(settings.Prune.Protect);
        _order = order ?? EvictionOrders.Find(settings.Prune.EvictionOrder) ?? PredictedReuse.Instance;
    }

    public Settings Settings => _settings;

    public BusySelector Selector => _selector;

    public ConvergeRules Converge => _converge;

    public IEvictionOrder Order => _order;

    public ProtectList Protect => _protect;

    public GateOutcome EvaluateGates(Snapshot snapshot) => GateSet.Evaluate(snapshot, _settings, _selector, _converge);

    /// <summary>
    /// The first phase, from the snapshot alone: the gates, whether critical pressure applies,
    /// stage 1's plan and the bytes stage 2 must free. It says whether stage 2 will plan, so the
    /// host gathers layer facts (an inspect per image not yet cached) only when they are needed.
    /// </summary>
    public Assessment Assess(Snapshot snapshot)
    {
        var gates = EvaluateGates(snapshot);
        if (!gates.AllPassed)
        {
            var critical = IsCritical(snapshot, gates);
            return new Assessment(snapshot, gates, critical, [], [],
                critical ? Stage2Target(snapshot.Disk, 0, _settings.Disk.HighWatermarkPercent, _settings.Disk.InodeHigh) : 0, _settings.Prune.Stage2);
        }

        var (stage1, notes) = Stage1Planner.PlanWithNotes(snapshot, _settings.Prune, _protect);
        return new Assessment(snapshot, gates, false, stage1, notes, Stage2Target(snapshot.Disk, stage1.Sum(a => a.EstimatedBytes)), _settings.Prune.Stage2);
    }

    /// <summary>Both phases at once: for callers with the usage view already at hand (tests, benchmarks).</summary>
    public Decision Decide(Snapshot snapshot, UsageView usage) => Decide(Assess(snapshot), usage);

    /// <summary>The second phase: stage 2 over the usage view, on what <see cref="Assess"/> found.</summary>
    public Decision Decide(Assessment assessment, UsageView usage)
    {
        var decision = DecideStages(assessment, usage);
        // What a gate decided but the operator should act on comes first (a service stuck converging).
        var warnings = assessment.Gates.Results.SelectMany(g => g.Warnings).Select(w => "warning: " + w).ToList();
        return warnings.Count == 0 ? decision : decision with { Notes = [.. warnings, .. decision.Notes] };
    }

    private Decision DecideStages(Assessment a, UsageView usage)
    {
        var (snapshot, gates) = (a.Snapshot, a.Gates);
        if (!gates.AllPassed)
        {
            if (!a.Critical)
            {
                return new Decision(gates, [], []);
            }

            return usage.Ledger is not null
                ? DecideCritical(a, usage)
                : new Decision(gates, [], [$"critical pressure: disk at {snapshot.Disk.UsedPercent}% (>= {_settings.Disk.Critical}%) while " +
                    $"{string.Join(" and ", gates.Blocking.Select(g => g.Name))} holds, but the usage ledger could not be read this run: " +
                    "nothing is evicted on a guess while a run is live"]);
        }

        var stage1 = a.Stage1;
        var allNotes = a.Stage1Notes.ToList();
        var stage1Bytes = stage1.Sum(x => x.EstimatedBytes);
        var target = a.Stage2Target;
        if (!_settings.Prune.Stage2)
        {
            return new Decision(gates, stage1, allNotes);
        }

        if (target <= 0)
        {
            allNotes.Add($"stage 2 not needed: stage 1 is expected to bring the disk below {_settings.Disk.LowWatermarkPercent}%");
            return new Decision(gates, stage1, allNotes);
        }

        if (usage.Ledger is null)
        {
            allNotes.Add("stage 2 skipped: the usage ledger could not be read this run; nothing is evicted on a guess");
            return new Decision(gates, stage1, allNotes);
        }

        var input = Project(snapshot, stage1, usage, target) with { TargetName = $"the low watermark {TargetDescription(snapshot.Disk)}" };
        var stage2 = Stage2Planner.Plan(input);
        allNotes.Add($"stage 2 target: free {ByteSize.Format(target)} more to get below {TargetDescription(snapshot.Disk)} (after stage 1's {ByteSize.Format(stage1Bytes)})");
        if (stage2.Shortfall is { } shortfall)
        {
            allNotes.Add(shortfall);
        }

        return new Decision(gates, [.. stage1, .. stage2.Actions], allNotes, stage2);
    }

    /// <summary>
    /// Critical pressure: the disk gate passes, the disk is at or past the critical watermark, and
    /// only the idle or converge gate holds. Waiting would let the run's own pulls fill the disk.
    /// </summary>
    private bool IsCritical(Snapshot snapshot, GateOutcome gates) =>
        _settings.Prune.Stage2
        && _settings.Disk.Critical < 100
        && snapshot.Disk.UsedPercent >= _settings.Disk.Critical
        && gates.Blocking.All(g => g.Name != DiskGate.Name);

    /// <summary>
    /// Stage 2 only (no prune endpoint runs while a run is live: mid-pull layers can look
    /// prunable), by ID and without force, sparing anything used within the critical min age.
    /// </summary>
    private Decision DecideCritical(Assessment a, UsageView usage)
    {
        // Only back under the high watermark: a run is live, so take no more of its cache than the
        // pressure needs; the next idle moment reclaims down to the low watermark.
        var (snapshot, gates, target) = (a.Snapshot, a.Gates, a.Stage2Target);
        var input = Project(snapshot, [], usage, target) with
        {
            MinAge = _settings.Prune.CriticalMinAge,
            MinAgeName = "critical_min_age",
            TargetName = $"the high watermark {_settings.Disk.HighWatermarkPercent}%",
        };
        var stage2 = Stage2Planner.Plan(input);
        var notes = new List<string>
        {
            $"critical pressure: disk at {snapshot.Disk.UsedPercent}% (>= {_settings.Disk.Critical}%) while {GateSet.Holding(gates.Blocking.Select(g => g.Name))}: " +
            $"removing only images no container uses, by ID, without force, none used in the last {DurationText.Format(_settings.Prune.CriticalMinAge)}",
            $"stage 2 target: free {ByteSize.Format(target)} to get below the high watermark {_settings.Disk.HighWatermarkPercent}% while the run lasts",
        };
        if (stage2.Shortfall is { } shortfall)
        {
            notes.Add(shortfall);
        }

        return new Decision(gates, stage2.Actions, notes, stage2, Critical: true);
    }

    /// <summary>Bytes stage 2 must free: enough for bytes and, converted at the average file size, for inodes.</summary>
    private long Stage2Target(DiskReading disk, long stage1Bytes) =>
        Stage2Target(disk, stage1Bytes, _settings.Disk.LowWatermarkPercent, _settings.Disk.InodeLow);

    private static long Stage2Target(DiskReading disk, long stage1Bytes, int percent, int inodePercent)
    {
        var (bytes, inodeBytes) = ToFree(disk, percent, inodePercent);
        return Math.Max(bytes, inodeBytes) - stage1Bytes;
    }

    /// <summary>Bytes to free for the byte mark, and for the inode mark converted at the average file size.</summary>
    private static (long Bytes, long InodeBytes) ToFree(DiskReading disk, int percent, int inodePercent) =>
        (disk.BytesToFreeForBelow(percent), (long)(disk.InodesToFreeForBelow(inodePercent) * disk.BytesPerInode));

    private string TargetDescription(DiskReading disk)
    {
        var (bytes, inodeBytes) = ToFree(disk, _settings.Disk.LowWatermarkPercent, _settings.Disk.InodeLow);
        return inodeBytes > bytes
            ? $"{_settings.Disk.InodeLow}% of inodes (estimated at {ByteSize.Format((long)disk.BytesPerInode)} per inode)"
            : $"{_settings.Disk.LowWatermarkPercent}%";
    }

    /// <summary>The host as stage 1 is expected to leave it: its containers and dangling images gone.</summary>
    private Stage2Input Project(Snapshot snapshot, IReadOnlyList<PlannedAction> stage1, UsageView usage, long target)
    {
        var prunedContainers = stage1.Where(a => a.Kind == ActionKind.PruneContainers)
            .SelectMany(a => a.Items).Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var prunedImages = stage1.Where(a => a.Kind is ActionKind.PruneDanglingImages or ActionKind.RemoveImage)
            .SelectMany(a => a.Items).Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        // Images that only stage 1's container removals free: their lines say so.
        var released = snapshot.Containers.GroupBy(c => c.ImageId, StringComparer.Ordinal)
            .Where(g => g.All(c => prunedContainers.Contains(c.Id)))
            .ToDictionary(g => g.Key, g => string.Join(", ", g.Select(c => c.Name)), StringComparer.Ordinal);
        return new Stage2Input(
            snapshot.TakenAt,
            snapshot.Images.Where(i => !prunedImages.Contains(i.Id)).ToList(),
            snapshot.Containers.Where(c => !prunedContainers.Contains(c.Id)).ToList(),
            snapshot.Services,
            usage.Layers,
            usage.Ledger!,
            _order,
            _protect,
            _settings.Prune.MinAge,
            target)
        {
            ReleasedByStage1 = released,
        };
    }
}
