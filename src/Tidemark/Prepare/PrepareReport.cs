using Tidemark.Core.Inventory;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Docker.Pull;

namespace Tidemark.Cli.Prepare;

public enum ImageState
{
    /// <summary>Here, and the registry's image for the reference is this one.</summary>
    UpToDate,

    /// <summary>Here, and not checked against a registry (named by ID, built or loaded here, or the registry could not be asked).</summary>
    Present,

    /// <summary>Here, but the registry now has another image for the tag: the pull brings it.</summary>
    Stale,

    /// <summary>Not here: the pull brings it.</summary>
    Missing,
}

/// <summary>One requested image: what is here, what its pull needs, and how its pull went.</summary>
/// <param name="Here">The image on the host for the reference, if any.</param>
/// <param name="Detail">One line on the state ("present and up to date: …").</param>
public sealed record PrepareItem(PrepareTarget Target, ImageState State, ImageRecord? Here, PullEstimate? Estimate, string Detail)
{
    public bool Pulls => State is ImageState.Stale or ImageState.Missing;

    public PullSummary? Pull { get; init; }
}

/// <summary>Everything a prepare did, for its lines and its JSON document.</summary>
public sealed class PrepareReport
{
    public bool DryRun { get; init; }

    public List<PrepareItem> Items { get; } = [];

    public List<string> Notes { get; } = [];

    public List<Reservation> Reservations { get; } = [];

    public RoomPlan? Room { get; set; }

    /// <summary>The removals as carried out (or, in a dry run or when no room can be made, as planned).</summary>
    public List<ActionReport> Removals { get; } = [];

    public DiskReading? DiskAfterRemovals { get; set; }

    public string? BesideWatch { get; set; }

    public bool LedgerSaved { get; set; }

    public string? Outcome { get; set; }

    public int ExitCode { get; set; }
}
