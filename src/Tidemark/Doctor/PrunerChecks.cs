using Tidemark.Cli.Output;

namespace Tidemark.Cli.Doctor;

/// <summary>
/// The doctor's "pruners" lines: one per finding (fail for a prune of every unused image that
/// runs, warn otherwise), a warning per file that could not be read, and when nothing was found
/// one ok line saying what was scanned. Every value from a file is escaped.
/// </summary>
public static class PrunerChecks
{
    public const string Area = "pruners";

    public static IReadOnlyList<CheckResult> From(PrunerScanResult scan)
    {
        List<CheckResult> results = [];
        foreach (var finding in scan.Findings)
        {
            results.Add(FindingLine(finding));
        }

        foreach (var note in scan.Notes)
        {
            var facts = new Dictionary<string, object?>(StringComparer.Ordinal) { ["file"] = note.Path, ["note"] = note.Kind.ToString() };
            results.Add(note.Kind == PrunerNoteKind.NixosAutoPruneOff
                ? CheckResult.Ok(Area, Safe.Line($"{note.Path}: {note.Detail}"), facts)
                : CheckResult.Warn(Area, Safe.Line($"{note.Path}: {note.Detail}: whether it prunes is unknown"),
                    "read it by hand (the doctor reads files of up to 1 MiB, as the user it runs as)", facts));
        }

        if (scan.Findings.Count == 0)
        {
            var facts = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["root"] = scan.Root,
                ["filesRead"] = scan.FilesRead,
                ["locations"] = scan.Locations.ToArray(),
            };
            // Nothing read is not "nothing found": in a container, or with the wrong --root, the
            // host's timers and cron tables are simply not visible.
            results.Insert(0, scan.FilesRead == 0
                ? CheckResult.Warn(Area, Safe.Line($"no systemd unit or cron file found under {scan.Root}: competing pruners could not be looked for"),
                    "run the doctor on the host itself, or point --root at the host's root file system (mounted read-only)", facts)
                : CheckResult.Ok(Area, Safe.Line($"no other pruner: {scan.FilesRead} systemd unit, cron and script files read ({string.Join(", ", scan.Locations)})"), facts));
        }

        return results;
    }

    private static CheckResult FindingLine(PrunerFinding f)
    {
        var what = Describe(f.Prune);
        var trigger = Trigger(f);
        var via = f.ViaFile is null ? "" : Safe.Line($", run from {f.ViaFile}:{f.ViaLine}");
        var prefix = f.NixosAutoPrune ? "NixOS virtualisation.docker.autoPrune: " : "";
        var evidence = Safe.Line($"{prefix}{f.File}:{f.Line}: {what}; {trigger}{via}: {f.Command}");
        Dictionary<string, object?> facts = new(StringComparer.Ordinal)
        {
            ["file"] = f.File,
            ["line"] = f.Line,
            ["command"] = f.Command,
            ["kind"] = f.Prune.Kind.ToString(),
            ["all"] = f.Prune.All,
            ["source"] = f.Source.ToString(),
        };
        Add(facts, "unit", f.Unit);
        Add(facts, "timer", f.Timer);
        if (f.Timer is not null)
        {
            facts["timerEnabled"] = f.TimerEnabled;
        }

        Add(facts, "schedule", f.Schedule);
        Add(facts, "viaFile", f.ViaFile);
        if (f.ViaFile is not null)
        {
            facts["viaLine"] = f.ViaLine;
        }

        Add(facts, "inactive", f.Inactive);
        if (f.NixosAutoPrune)
        {
            facts["nixosAutoPrune"] = true;
        }

        var remedy = Remedy(f);
        return f.Status == CheckStatus.Fail ? CheckResult.Fail(Area, evidence, remedy, facts) : CheckResult.Warn(Area, evidence, remedy, facts);
    }

    private static string Describe(PruneCommand p) => p.Kind switch
    {
        PruneKind.SystemPrune when p.All => "docker system prune --all removes every unused image" + (p.Volumes ? " and unused volumes" : ""),
        PruneKind.SystemPrune => "docker system prune removes dangling images, stopped containers and build cache" + (p.Volumes ? ", and unused volumes" : ""),
        PruneKind.ImagePrune when p.All => "docker image prune --all removes every unused image",
        PruneKind.ImagePrune => "docker image prune removes dangling images (overlaps Tidemark's stage 1)",
        PruneKind.ImageRemove => "docker rmi removes images",
        PruneKind.VolumePrune => "docker volume prune removes unused volumes and their data, which Tidemark never touches",
        PruneKind.ContainerPrune => "docker container prune removes stopped containers (overlaps Tidemark's stage 1)",
        _ => "docker builder prune removes build cache (overlaps Tidemark's stage 1)",
    };

    private static string Trigger(PrunerFinding f)
    {
        var inactive = f.Inactive is null ? "" : Safe.Line($" ({f.Inactive})");
        return f.Source switch
        {
            PrunerSource.Systemd when f.Timer is not null => Safe.Line($"{f.Unit}, started by {f.Timer} ({(f.TimerEnabled ? "enabled" : "not enabled")}{(f.Schedule is null ? "" : ", " + f.Schedule)})"),
            PrunerSource.Systemd => Safe.Line($"{f.Unit}{inactive}"),
            PrunerSource.CronScript => Safe.Line($"run {f.Schedule} by cron{inactive}"),
            PrunerSource.Anacron => Safe.Line($"anacron ({f.Schedule})"),
            _ => Safe.Line($"cron ({f.Schedule})"),
        };
    }

    private static string Remedy(PrunerFinding f)
    {
        var replaces = f.Prune.Kind switch
        {
            PruneKind.VolumePrune => "Tidemark does not replace it: keep it only if deleting unused volumes' data is intended",
            PruneKind.ContainerPrune or PruneKind.BuilderPrune => "Tidemark's stage 1 does this under disk pressure; it may stay, it does not evict cached images",
            _ => "Tidemark replaces it",
        };
        if (f.NixosAutoPrune)
        {
            return $"set virtualisation.docker.autoPrune.enable = false; and rebuild ({replaces}; see docs/nixos.md)";
        }

        var (file, line) = f.ViaFile is null ? (f.File, f.Line) : (f.ViaFile, f.ViaLine);
        return f.Source switch
        {
            PrunerSource.Systemd when f.Timer is not null => Safe.Line($"systemctl disable --now {f.Timer} ({replaces})"),
            PrunerSource.Systemd => Safe.Line($"systemctl disable --now {f.Unit}, or remove what starts it ({replaces})"),
            PrunerSource.CronScript when f.ViaFile is null => Safe.Line($"remove {f.File} or chmod -x it ({replaces})"),
            PrunerSource.CronScript => Safe.Line($"remove that line from {f.File}, or remove {f.ViaFile} ({replaces})"),
            _ => Safe.Line($"remove or comment out line {line} of {file} ({replaces})"),
        };
    }

    private static void Add(Dictionary<string, object?> facts, string key, string? value)
    {
        if (value is not null)
        {
            facts[key] = value;
        }
    }
}
