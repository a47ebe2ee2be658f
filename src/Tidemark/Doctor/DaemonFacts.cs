using Tidemark.Core.Inventory;
using Tidemark.Docker.Models;

namespace Tidemark.Cli.Doctor;

/// <summary>What the doctor read from the daemon and the host, gathered once; the checks only read it.</summary>
/// <param name="FileSystem">The mount holding the data root (from /proc/self/mountinfo), when visible.</param>
public sealed record DaemonFacts(
    string Endpoint,
    string ApiVersion,
    string DaemonApiVersion,
    SystemInfo Info,
    DiskUsageResponse? Usage,
    string? UsageError,
    DiskReading? Disk,
    string? DiskError,
    (string Mount, string Type, string Source)? FileSystem);
