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

    /// <summary>The daemon could not be reached or read (message names the socket).</summary>
    public const int Unavailable = 69;

    /// <summary>Something unexpected; a bug or an environment Tidemark does not understand.</summary>
    public const int Software = 70;

    /// <summary>The data root's file system could not be measured.</summary>
    public const int IoError = 74;

    /// <summary>Another run holds the lock; try again later.</summary>
    public const int TempFail = 75;

    /// <summary>Bad configuration (file, key and value named); nothing was touched.</summary>
    public const int Config = 78;
}
