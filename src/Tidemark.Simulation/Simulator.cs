using System.Diagnostics;
using Tidemark.Simulation.Traces;
using Trace = Tidemark.Simulation.Traces.Trace;

namespace Tidemark.Simulation;

/// <summary>
/// Replays a trace against one policy on a simulated store with a disk budget. A pull downloads
/// the missing layers; a pull that does not fit the free space when it starts fails its job. A
/// failed job stops there, as a CI job does when its pull fails: its later pulls and uses are
/// skipped, and the images it already used are released when its run ends.
/// </summary>
public static class Simulator
{
    public static SimResult Run(Trace trace, long diskBytes, ISimPolicy policy)
    {
        var clock = Stopwatch.StartNew();
        var store = new SimStore(diskBytes);
        var host = new SimHost(store);
        long downloaded = 0, pulls = 0, fullHits = 0, peak = 0;
        var failedRuns = new HashSet<string>(StringComparer.Ordinal);
        long failedLone = 0, failedPullBytes = 0;
        double weighted = 0;
        DateTimeOffset? first = null, last = null;

        for (var i = 0; i < trace.Events.Count; i++)
        {
            var e = trace.Events[i];
            if (last is { } previous)
            {
                weighted += store.Used * (e.Time - previous).TotalSeconds;
            }

            first ??= e.Time;
            last = e.Time;
            host.Now = e.Time;
            host.EventIndex = i;
            switch (e.Kind)
            {
                case TraceKind.Tick:
                    policy.OnTick(host);
                    break;
                case TraceKind.RunStart:
                    var started = new LiveRun(e.Run!, e.Stack ?? e.Run!, e.Time);
                    host.Runs[e.Run!] = started;
                    policy.AfterRunStart(host, started);
                    break;
                case TraceKind.RunEnd:
                    if (host.Runs.Remove(e.Run!, out var ended))
                    {
                        foreach (var id in ended.Images)
                        {
                            store.Release(id);
                        }
                    }

                    policy.Observe(e, host);
                    policy.AfterRunEnd(host);
                    break;
                case TraceKind.Pull:
                case TraceKind.Use:
                    var image = e.Image!;
                    if (e.Run is { } aborted && failedRuns.Contains(aborted))
                    {
                        break;
                    }

                    var present = store.IsPresent(image);
                    if (e.Kind == TraceKind.Pull || !present)
                    {
                        pulls++;
                        var (compressed, size) = store.Missing(image);
                        if (size > store.Free && policy.OnDemand)
                        {
                            policy.MakeRoom(host, image, size);
                        }

                        if (size > store.Free)
                        {
                            failedPullBytes += store.FailedPullTransfer(image);
                            if (e.Run is { } run)
                            {
                                failedRuns.Add(run);
                            }
                            else
                            {
                                failedLone++;
                            }

                            break;
                        }

                        if (compressed == 0 && size == 0 && e.Kind == TraceKind.Pull)
                        {
                            fullHits++;
                        }

                        downloaded += compressed;
                        store.Add(image);
                        host.FirstPresent.TryAdd(image.Id, e.Time);
                        peak = Math.Max(peak, store.Used);
                        policy.Observe(e with { Kind = TraceKind.Pull }, host);
                        policy.AfterPull(host, image, compressed);
                        if (!store.IsPresent(image))
                        {
                            // The policy removed it at once: the job fails like a pull that did not fit.
                            if (e.Run is { } r)
                            {
                                failedRuns.Add(r);
                            }

                            break;
                        }
                    }

                    if (e.Kind == TraceKind.Use)
                    {
                        store.Use(image.Id);
                        if (e.Run is { } run && host.Runs.TryGetValue(run, out var live))
                        {
                            live.Images.Add(image.Id);
                        }
                        else
                        {
                            // A use outside any run: the container comes and goes at once.
                            store.Release(image.Id);
                        }

                        policy.Observe(e, host);
                    }

                    break;
            }

            peak = Math.Max(peak, store.Used);
        }

        var span = first is { } f && last is { } l ? (l - f).TotalSeconds : 0;
        return new SimResult(
            policy.Name,
            downloaded,
            pulls,
            fullHits,
            failedRuns.Count + failedLone,
            failedPullBytes,
            peak,
            span > 0 ? (long)(weighted / span) : store.Used,
            (policy as ICountsRemovals)?.Removals ?? 0,
            clock.Elapsed);
    }
}

/// <summary>Policies that count what they removed, for the report.</summary>
public interface ICountsRemovals
{
    long Removals { get; }
}
