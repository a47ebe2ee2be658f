namespace Tidemark.Cli;

/// <summary>sysexits(3) codes, so systemd and scripts can tell failures apart.</summary>
public static class ExitCodes
{
    /// <summary>It ran: pruned, or a gate blocked and nothing was needed.</summary>
    public const int Ok = 0;

    /// <summary>Bad command line.</summary>
    public const int Usage = 64;

    /// <summary>Malformed input data (a trace line), named by line number.</summary>
    public const int DataError = 65;

    /// <summary>An input file does not exist.</summary>
    public const int NoInput = 66;

    /// <summary>A check failed: doctor found something to fix, or probe found the cache not retained.</summary>
    public const int CheckFailed = 1;

    /// <summary>The daemon could not be reached or read (message names the socket).</summary>
    public const int Unavailable = 69;

    /// <summary>Something unexpected; a bug or an environment Tidemark does not understand.</summary>
    public const int Software = 70;

    /// <summary>An I/O error: the data root unmeasurable, the ledger or metrics file unwritable.</summary>
    public const int IoError = 74;

    /// <summary>A registry refused the credentials (or wanted some): probe names the registry.</summary>
    public const int NoPermission = 77;

    /// <summary>Another run holds the lock; try again later.</summary>
    public const int TempFail = 75;

    /// <summary>Bad configuration (file, key and value named); nothing was touched.</summary>
    public const int Config = 78;

    /// <summary>(prepare) The room the pulls need cannot be made under the invariants; nothing was removed.</summary>
    public const int NoRoom = 73;

    /// <summary>Every exit status and what it means, as the man page lists them (a test keeps it complete).</summary>
    public static IReadOnlyList<(int Code, string Meaning)> Documented { get; } =
    [
        (Ok, "It ran: it pruned, or a gate held and nothing was needed; watch stopped by SIGTERM or SIGINT with its ledger saved."),
        (CheckFailed, "(doctor) A check failed; (probe) the cache was not retained after a teardown."),
        (Usage, "Bad command line."),
        (DataError, "(simulate) A malformed trace line, named by number. (prepare) A malformed stack file, named by line."),
        (NoInput, "(simulate) An input file does not exist. (probe, prepare) The registry has no such image; (prepare) the stack file does not exist, or no image has the ID given."),
        (Unavailable, "The daemon could not be reached or read, answered garbage, or failed a step; the message names the socket and the request. Also: watch could not listen on [metrics] listen; probe could not reach the registry (named)."),
        (Software, "A bug in Tidemark (never bad input, a daemon fault or a signal); please report it."),
        (NoRoom, "(prepare) The room the pulls need cannot be made without removing an image the invariants keep (in use, named by a service, protected, used within critical_min_age, requested): nothing was removed and nothing pulled."),
        (IoError, "An I/O error: the data root's file system could not be measured, the ledger or the metrics file could not be written, the lock file or ledger path cannot be used."),
        (NoPermission, "(probe, prepare) The registry refused authentication, or wanted credentials and had none (the registry is named)."),
        (TempFail, "Another run holds the lock (try later), or the lock file was removed or replaced during the run, which then stopped; (prepare) another prepare or run still held it after --wait."),
        (Config, "Bad configuration (file, line, key and value named); nothing was touched."),
        (128 + Signals.Shutdown.SigInt, "Stopped by SIGINT: no new removal started after it, the report says what was done, the ledger was saved."),
        (128 + Signals.Shutdown.SigTerm, "Stopped by SIGTERM, likewise. A second signal ends the process at once."),
    ];
}
