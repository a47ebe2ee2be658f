using Tidemark.Cli.Locking;
using Tidemark.Cli.Pipeline;
using Tidemark.Core.Configuration;

namespace Tidemark.Cli.Prepare;

/// <summary>
/// What keeps prepares from fighting each other and from racing a run. A prepare takes, in this
/// order, waiting for each up to its <c>--wait</c>:
/// <list type="number">
/// <item>the <b>prepare queue</b> (<c>[lock] path</c> + <c>.prepare</c>, an flock like the run lock):
/// one prepare at a time reads the host, plans and removes;</item>
/// <item>the <b>run lock</b> itself, so a `tidemark run` never plans on a host a prepare is changing
/// — unless a `tidemark watch` holds it: watch holds it for its whole life, so a prepare then acts
/// beside it (every removal is re-checked against what runs now, and the ledger, which is the
/// watch's, is not written).</item>
/// </list>
/// Both are released once the removals are done, before the pulls; the pulls' room stays counted
/// by a reservation (<see cref="Reservations"/>), so the next prepare does not hand it out again.
/// </summary>
public sealed class PrepareLocks : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    private RunLock? _queue;
    private RunLock? _run;

    private PrepareLocks(RunLock queue, RunLock? run, bool besideWatch, string? watchHolder)
    {
        _queue = queue;
        _run = run;
        BesideWatch = besideWatch;
        WatchHolder = watchHolder;
    }

    /// <summary>The run lock is a watch's: this prepare acts beside it and leaves the ledger alone.</summary>
    public bool BesideWatch { get; }

    /// <summary>" (PID 1234, tidemark watch)" when <see cref="BesideWatch"/>.</summary>
    public string? WatchHolder { get; }

    /// <summary>Owns the ledger: holds the run lock (not beside a watch).</summary>
    public bool OwnsLedger => _run is not null;

    /// <summary>Why the run lock stopped protecting this prepare, checked before every removal.</summary>
    public Func<string?>? LockLost => _run is { } run ? run.LostReason : null;

    public static string QueuePath(string lockPath) => lockPath + ".prepare";

    /// <param name="say">Told once per lock it has to wait for.</param>
    public static async Task<(PrepareLocks? Locks, CommandFailure? Failure)> AcquireAsync(
        string lockPath, TimeSpan wait, TimeProvider clock, Action<string> say, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + wait;
        var queuePath = QueuePath(lockPath);
        RunLock? queue = null;
        for (var announced = false; ;)
        {
            var (taken, failure) = RunLock.TryAcquire(queuePath, "prepare");
            if (taken is not null)
            {
                queue = taken;
                break;
            }

            if (failure!.ExitCode != ExitCodes.TempFail)
            {
                return (null, failure);
            }

            var holder = RunLock.HeldBy(queuePath, out _) ?? "";
            if (clock.GetUtcNow() >= deadline)
            {
                return (null, new CommandFailure(ExitCodes.TempFail,
                    $"another tidemark prepare{holder} was still making room after waiting {DurationText.Format(wait)} (--wait); try again"));
            }

            if (!announced)
            {
                say($"waiting up to {DurationText.Format(wait)} for another prepare{holder} to finish making room");
                announced = true;
            }

            await Task.Delay(Poll, clock, ct).ConfigureAwait(false);
        }

        for (var announced = false; ;)
        {
            var (taken, failure) = RunLock.TryAcquire(lockPath, "prepare");
            if (taken is not null)
            {
                return (new PrepareLocks(queue, taken, false, null), null);
            }

            if (failure!.ExitCode != ExitCodes.TempFail)
            {
                queue.Dispose();
                return (null, failure);
            }

            var holder = RunLock.HeldBy(lockPath, out _) ?? "";
            if (RunLock.HolderCommand(lockPath) == "watch")
            {
                return (new PrepareLocks(queue, null, true, holder), null);
            }

            if (clock.GetUtcNow() >= deadline)
            {
                queue.Dispose();
                return (null, new CommandFailure(ExitCodes.TempFail,
                    $"another tidemark process{holder} still holds the lock {lockPath} after waiting {DurationText.Format(wait)} (--wait); try again when it finishes"));
            }

            if (!announced)
            {
                say($"waiting up to {DurationText.Format(wait)} for the run lock {lockPath}, held by another tidemark process{holder}");
                announced = true;
            }

            await Task.Delay(Poll, clock, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Lets the next prepare and runs in: the removals are done.</summary>
    public void Release()
    {
        _run?.Dispose();
        _run = null;
        _queue?.Dispose();
        _queue = null;
    }

    public void Dispose() => Release();
}
