using Tidemark.Core.Cycles;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Core.Reporting;
using Tidemark.Docker;
using Tidemark.Docker.Api;

namespace Tidemark.Cli.Pipeline;

/// <summary>How one cycle should behave.</summary>
/// <param name="Execute">Carry out the plan (run); false for plan and --dry-run.</param>
/// <param name="ReplayEvents">Catch up on daemon events since the ledger's last one (one-shot mode).</param>
/// <param name="LockLost">Says why the run lock no longer protects this run (checked before every step).</param>
public sealed record CycleOptions(string Command, bool Execute, bool DryRun, bool ReplayEvents, Func<string?>? LockLost = null);

/// <summary>
/// The core's cycle (<see cref="HostCycle{TError}"/>, the same code the simulator runs) on a
/// daemon, for `plan`, `run` and `watch`.
/// </summary>
public sealed class Cycle(DockerClient client, Policy policy, TimeProvider clock)
{
    /// <summary>
    /// Reading is abandoned at once when <paramref name="stop"/> fires (an OperationCanceledException
    /// reaches the caller, nothing having been removed); once removals have begun, the executor
    /// stops between steps and the report says what was done.
    /// </summary>
    public async Task<ApiResult<RunReport>> RunAsync(
        CycleOptions options, UsageLedger ledger, bool ledgerReadable, IReadOnlyList<string> warnings, IStopRequest stop, ICycleObserver? observer = null)
    {
        var host = new DockerCycleHost(client, clock, stop, policy.Settings.Disk.Path, options.LockLost);
        var request = new CycleRequest(options.Command, options.Execute, options.DryRun, CatchUp: options.ReplayEvents);
        var result = await new HostCycle<ApiError>(host, policy).RunAsync(request, ledger, ledgerReadable, warnings, observer, stop.Token).ConfigureAwait(false);
        return result.IsOk ? ApiResult<RunReport>.Ok(result.Value!) : result.Error!;
    }
}
