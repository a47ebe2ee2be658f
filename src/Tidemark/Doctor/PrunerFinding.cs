namespace Tidemark.Cli.Doctor;

public enum PrunerSource
{
    /// <summary>A systemd service's Exec= line, or a script it runs.</summary>
    Systemd,

    /// <summary>A line of /etc/crontab, /etc/cron.d/* or a user's crontab, or a script it runs.</summary>
    CronTable,

    /// <summary>A script in /etc/cron.{hourly,daily,weekly,monthly}.</summary>
    CronScript,

    /// <summary>A line of /etc/anacrontab, or a script it runs.</summary>
    Anacron,
}

/// <summary>
/// Something else on the host that removes images (or volumes, or what Tidemark's stage 1
/// removes): where it is written, the command as written, and what runs it.
/// </summary>
/// <param name="File">The file holding the command, as the host sees it (a unit's link, not its target).</param>
/// <param name="Line">Its line number (the first line of a continued line).</param>
/// <param name="Command">The line as written (continuations joined); not escaped: print it through Safe.Line.</param>
/// <param name="Unit">The systemd service that runs it.</param>
/// <param name="Timer">The timer that starts <paramref name="Unit"/>, if any.</param>
/// <param name="Schedule">The timer's OnCalendar= (or other On…=) or the cron schedule.</param>
/// <param name="ViaFile">When the command is in a script: the unit file or cron table that runs the script.</param>
/// <param name="Inactive">Why it may never run (timer not enabled, script not executable), or null.</param>
/// <param name="NixosAutoPrune">The docker-prune unit NixOS's virtualisation.docker.autoPrune generates.</param>
public sealed record PrunerFinding(
    string File,
    int Line,
    string Command,
    PruneCommand Prune,
    PrunerSource Source,
    string? Unit = null,
    string? Timer = null,
    bool TimerEnabled = false,
    string? Schedule = null,
    string? ViaFile = null,
    int ViaLine = 0,
    string? Inactive = null,
    bool NixosAutoPrune = false)
{
    /// <summary>
    /// Fail for a prune of every unused image (system or image prune with --all) that runs;
    /// warn for the rest, and for anything that may never run.
    /// </summary>
    public CheckStatus Status =>
        Prune is { Kind: PruneKind.SystemPrune or PruneKind.ImagePrune, All: true } && Inactive is null ? CheckStatus.Fail : CheckStatus.Warn;
}

public enum PrunerNoteKind
{
    /// <summary>A file or directory that could not be read: the scan cannot say whether it prunes.</summary>
    Unreadable,

    /// <summary>A file over <see cref="RootedFiles.MaxFileBytes"/>, not read.</summary>
    TooLarge,

    /// <summary>A directory with more than <see cref="RootedFiles.MaxEntries"/> entries, read only in part.</summary>
    TooManyEntries,

    /// <summary>NixOS's docker-prune.service is there without its timer: autoPrune is off. Informational.</summary>
    NixosAutoPruneOff,
}

public sealed record PrunerNote(PrunerNoteKind Kind, string Path, string Detail);

/// <summary>What <see cref="PrunerScan.Scan"/> found, and what it read to find it.</summary>
/// <param name="Locations">The places scanned that exist (as the host sees them).</param>
/// <param name="FilesRead">Unit files, cron tables and scripts read.</param>
public sealed record PrunerScanResult(
    string Root,
    IReadOnlyList<PrunerFinding> Findings,
    IReadOnlyList<PrunerNote> Notes,
    IReadOnlyList<string> Locations,
    int FilesRead);
