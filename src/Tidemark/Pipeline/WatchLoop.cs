using System.Threading.Channels;
using Tidemark.Cli.Output;
using Tidemark.Cli.Platform;
using Tidemark.Cli.State;
using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;
using Tidemark.Core.Ledger;
using Tidemark.Core.Planning;
using Tidemark.Docker;
using Tidemark.Docker.Api;
using Tidemark.Docker.Models;

namespace Tidemark.Cli.Pipeline;

/// <summary>
/// watch mode: keeps the ledger current from the event stream and runs a cycle when pressure may
/// have appeared (after events that add bytes, and on a periodic tick). It reconnects with
/// backoff when the daemon goes away and saves the ledger when told to stop. While the daemon is
/// quiet it waits on the stream and a timer, using no CPU.
/// </summary>
/// <param name="recordTo">--record: write the host's history as a trace to this file.</param>
/// <param name="metrics">Where each cycle's metrics go (the textfile file, the /metrics page).</param>
public sealed class WatchLoop(CliConsole console, TimeProvider clock, Settings settings, DockerEndpoint endpoint, ReportOutput output, string configSource,
    string? recordTo = null, SystemdNotify? systemd = null, Metrics.MetricsSink? metrics = null)
{
    private readonly SystemdNotify _systemd = systemd ?? new SystemdNotify(_ => null, clock);
    /// <summary>Let a burst of pulls finish before looking: one cycle per burst.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan SaveEvery = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly Policy _policy = new(settings);
    private string? _lastVerdict;
    private TraceRecorder? _recorder;
    private bool _ledgerReadable;
    private IStopRequest _stop = NoStop.Instance;
    private Func<string?> _lockLost = () => null;
    private string? _lockLostReason;
    private Core.Reporting.RunReport? _unrecorded;
    private bool _ledgerSaved = true;
    private bool _daemonDownRecorded;
    private string? _metricsError;

    /// <param name="ledgerReadable">False after an unusable ledger was set aside: stage 2 waits until
    /// the rebuilt one has been saved once.</param>
    /// <param name="lockLost">Says why the run lock stopped protecting this process (its file removed or replaced).</param>
    /// <returns>0 once stopped by a signal with the ledger saved (systemd's normal stop), 74 when the
    /// ledger could not be saved, 75 when the lock was lost.</returns>
    public async Task<int> RunAsync(UsageLedger ledger, bool ledgerReadable, IReadOnlyList<string> warnings, IStopRequest shutdown, Func<string?> lockLost)
    {
        _ledgerReadable = ledgerReadable;
        _stop = shutdown;
        _lockLost = lockLost;
        var stop = shutdown.Token;
        var watching = $"watching {endpoint.Display}";
        Say("started", $"watching {endpoint.Display} (disk {settings.Disk.HighWatermarkPercent}%/{settings.Disk.LowWatermarkPercent}%, tick every {DurationText.Format(settings.Watch.Interval)}); ledger {settings.Ledger.Path}");
        _systemd.Ready(watching);
        foreach (var w in warnings)
        {
            Warn(w);
        }

        using var recorder = recordTo is null ? null : await OpenRecorderAsync(stop).ConfigureAwait(false);
        _recorder = recorder;
        var backoff = TimeSpan.FromSeconds(1);
        var down = (DateTimeOffset?)null;
        var lastSave = clock.GetUtcNow();
        try
        {
            while (!stop.IsCancellationRequested && !LockLost())
            {
                var connected = await DockerClient.ConnectAsync(endpoint, stop).ConfigureAwait(false);
                if (!connected.IsOk)
                {
                    if (down is null)
                    {
                        // Said once per outage, not on every retry.
                        Say("daemon-unavailable", $"daemon unavailable: {connected.Error}; retrying with backoff up to {MaxBackoff.TotalSeconds:0}s");
                        down = clock.GetUtcNow();
                    }

                    if (!_daemonDownRecorded)
                    {
                        _daemonDownRecorded = true;
                        RecordMetrics(m => m.Failed(daemonUp: false));
                    }

                    _systemd.KeepAlive();
                    await Task.Delay(backoff, clock, stop).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
                    continue;
                }

                using var client = connected.Value;
                if (down is { } since)
                {
                    Say("daemon-back", $"daemon back after {DurationText.Approximate(clock.GetUtcNow() - since)} (API {client.DaemonVersion}); carrying on");
                    down = null;
                }

                backoff = TimeSpan.FromSeconds(1);
                ledger = await LedgerForAsync(client, ledger, stop).ConfigureAwait(false);
                var lost = await WatchConnectedAsync(client, ledger, () => lastSave, t => lastSave = t, stop).ConfigureAwait(false);
                if (lost is not null && !stop.IsCancellationRequested && _lockLostReason is null)
                {
                    Say("daemon-lost", $"lost the daemon: {lost}; reconnecting with backoff up to {MaxBackoff.TotalSeconds:0}s");
                    down = clock.GetUtcNow();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        if (_lockLostReason is not null)
        {
            // Another process may own the ledger now: writing it from here could undo its work.
            Say("stopped", $"stopping: {_lockLostReason}; the ledger is left to the run that holds the lock now", LogLevel.Error);
            return ExitCodes.TempFail;
        }

        _systemd.Stopping("saving the usage ledger");
        var saveError = LedgerStore.Save(settings.Ledger.Path, ledger);
        var why = shutdown.Reason is { } signal ? $" ({signal})" : "";
        Say("stopped", saveError is null ? $"stopping{why}: ledger saved to {settings.Ledger.Path}" : $"stopping{why}: {saveError}",
            saveError is null ? LogLevel.Info : LogLevel.Error);
        return saveError is null ? ExitCodes.Ok : ExitCodes.IoError;
    }

    /// <summary>
    /// The ledger for the daemon now answering: a daemon reinstalled while watch ran (another ID)
    /// does not inherit the old one's history; that ledger is set aside and a new one begins.
    /// </summary>
    private async Task<UsageLedger> LedgerForAsync(DockerClient client, UsageLedger ledger, CancellationToken stop)
    {
        var info = await client.GetInfoAsync(stop).ConfigureAwait(false);
        if (!info.IsOk || LedgerStore.OtherDaemon(ledger, info.Value.Id) is not { } other)
        {
            return ledger;
        }

        Warn(LedgerStore.SetAside(settings.Ledger.Path, clock.GetUtcNow(), other));
        _ledgerReadable = false;
        return new UsageLedger { DaemonId = info.Value.Id };
    }

    /// <summary>
    /// The events the daemon replays on (re)connection: it keeps its last 256, so that many means
    /// some may be lost, and the ledger's gap-free coverage restarts at the first one.
    /// </summary>
    private sealed class ReplayCount
    {
        private int _count;
        private DateTimeOffset? _first;

        public void Count(DateTimeOffset time, UsageLedger ledger)
        {
            _first ??= time;
            if (++_count == EventReplay.DaemonBuffer)
            {
                ledger.EventsCoveredSince = _first;
            }
        }
    }

    private bool LockLost()
    {
        _lockLostReason ??= _lockLost();
        return _lockLostReason is not null;
    }

    /// <returns>Why the connection ended, or null when asked to stop.</returns>
    private async Task<string?> WatchConnectedAsync(
        DockerClient client, UsageLedger ledger, Func<DateTimeOffset> lastSave, Action<DateTimeOffset> saved, CancellationToken stop)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var events = Channel.CreateUnbounded<ApiResult<EngineEvent>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var connectedAt = clock.GetUtcNow();
        var seenBefore = ledger.EventsSeenUntil;
        ledger.EventsCoveredSince ??= seenBefore ?? connectedAt;
        var replay = new ReplayCount();
        var pump = PumpAsync(client, seenBefore ?? connectedAt, events.Writer, connection.Token);
        var cycle = new Cycle(client, _policy, clock);
        var resolver = await FreshResolverAsync(client, connection.Token).ConfigureAwait(false);
        var dueAt = clock.GetUtcNow();
        try
        {
            while (!stop.IsCancellationRequested && !LockLost())
            {
                var now = clock.GetUtcNow();
                _recorder?.Tick(now);
                _systemd.KeepAlive();
                if (now >= dueAt)
                {
                    var error = await EvaluateAsync(cycle, ledger).ConfigureAwait(false);
                    if (error is not null)
                    {
                        RecordCycle(ledger);
                        return error;
                    }

                    saved(SaveLedger(ledger));
                    // After the save, so the metrics say whether it worked.
                    RecordCycle(ledger);

                    dueAt = clock.GetUtcNow() + settings.Watch.Interval;
                    continue;
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var until = _recorder is null ? dueAt - now : Min(dueAt - now, TraceRecorder.TickEvery);
                if (_systemd.KeepAliveEvery is { } every)
                {
                    // Wake up in time to feed the watchdog even when nothing happens.
                    until = Min(until, every / 2);
                }

                wait.CancelAfter(until);
                bool ready;
                try
                {
                    ready = await events.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    continue;
                }

                if (!ready)
                {
                    return "the event stream ended";
                }

                while (events.Reader.TryRead(out var item))
                {
                    if (!item.IsOk)
                    {
                        return item.Error!.Message;
                    }

                    var e = item.Value;
                    var time = EventMapping.TimeOf(e);
                    if (time <= connectedAt)
                    {
                        replay.Count(time, ledger);
                    }

                    if (seenBefore is { } boundary && time <= boundary)
                    {
                        // The daemon's since is inclusive: the boundary event was applied before.
                        continue;
                    }

                    var use = EventMapping.ToUsage(e, resolver);
                    if (use is null && e.Type == "image")
                    {
                        // An image the resolver has not met yet (just pulled or loaded): look again.
                        resolver = await FreshResolverAsync(client, stop).ConfigureAwait(false);
                        use = EventMapping.ToUsage(e, resolver);
                    }

                    if (use is not null)
                    {
                        ledger.Apply(use);
                    }

                    if (_recorder is not null)
                    {
                        await RecordAsync(client, e, use, resolver, ledger, stop).ConfigureAwait(false);
                    }

                    ledger.MarkEventsSeen(EventMapping.TimeOf(e));
                    if (AddsBytes(e))
                    {
                        var soon = clock.GetUtcNow() + Debounce;
                        dueAt = soon < dueAt ? soon : dueAt;
                    }
                }

                if (clock.GetUtcNow() - lastSave() > SaveEvery)
                {
                    saved(SaveLedger(ledger));
                }
            }

            return null;
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
            try
            {
                await pump.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <returns>Why the daemon connection is lost, or null to carry on watching.</returns>
    private async Task<string?> EvaluateAsync(Cycle cycle, UsageLedger ledger)
    {
        var observer = new QuietCycleObserver(new ReportObserver(output, configSource, endpoint.Display), _lastVerdict);
        ApiResult<Core.Reporting.RunReport> result;
        // A cycle may spend minutes in one call (a large prune): the watchdog is fed meanwhile,
        // for as long as the cycle lasts; each call has its own deadline.
        using var keepAlive = _systemd.KeepAliveEvery is { } every
            ? new Timer(_ => _systemd.KeepAlive(), null, TimeSpan.Zero, every / 2)
            : null;
        try
        {
            result = await cycle.RunAsync(new CycleOptions("watch", Execute: true, DryRun: false, ReplayEvents: false, _lockLost),
                ledger, _ledgerReadable, [], _stop, observer).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.Token.IsCancellationRequested)
        {
            return null;
        }

        if (!result.IsOk)
        {
            var down = result.Error!.Kind is ApiErrorKind.Unreachable or ApiErrorKind.Timeout;
            RecordMetrics(m => m.Failed(daemonUp: !down));
            _daemonDownRecorded = down;
            return down ? result.Error.Message : ReportFailure(result.Error);
        }

        var report = result.Value;
        _unrecorded = report;
        _daemonDownRecorded = report.Halt?.Kind == Core.Reporting.HaltKind.DaemonLost;
        if (observer.Shown)
        {
            output.Finished(report, configSource, endpoint.Display, settings, jsonEvent: "cycle");
        }

        _lastVerdict = QuietCycleObserver.Verdict(report);
        _systemd.Status(Core.Reporting.ReportSummary.For(report));
        // A step the daemon failed means it is going or gone: reconnect rather than plan again on it.
        return report.Halt?.Kind == Core.Reporting.HaltKind.DaemonLost ? report.Halt.Reason : null;
    }

    private string? ReportFailure(ApiError error)
    {
        // Not a lost connection (a daemon error, an unreadable data root): say it and keep watching.
        Say("cycle-failed", $"cycle failed: {error.Message}", LogLevel.Error);
        return null;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private async Task<TraceRecorder?> OpenRecorderAsync(CancellationToken ct)
    {
        // The trace names the disk it was recorded on, so a replay uses the same budget.
        long disk = 0;
        var path = settings.Disk.Path;
        using (var client = (await DockerClient.ConnectAsync(endpoint, ct).ConfigureAwait(false)) is { IsOk: true } c ? c.Value : null)
        {
            if (client is not null && path.Length == 0 && await client.GetInfoAsync(ct).ConfigureAwait(false) is { IsOk: true } info)
            {
                path = info.Value.DockerRootDir ?? "";
            }
        }

        if (path.Length > 0 && Docker.Host.StatVfs.TryRead(path, out var reading, out _))
        {
            disk = reading.UsedBytes + reading.AvailableBytes;
        }

        try
        {
            var recorder = new TraceRecorder(recordTo!, _policy.Selector, disk > 0 ? disk : 1, $"recorded by tidemark watch on {endpoint.Display}");
            Say("recording", $"recording the host's history to {recordTo}");
            return recorder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Warn($"cannot record to {recordTo}: {e.Message}; watching without recording");
            return null;
        }
    }

    private async Task RecordAsync(DockerClient client, EngineEvent e, Core.Ledger.UsageEvent? use, ImageResolver resolver, UsageLedger ledger, CancellationToken ct)
    {
        ImageRecord? image = null;
        IReadOnlyList<Core.Layers.LayerFact>? layers = null;
        if (use is not null)
        {
            // The resolver that named the image holds it already: no new image list per event.
            image = resolver.Find(use.ImageId);
            var facts = await new LayerFactsReader(client).ReadAsync([use.ImageId], ledger, ct).ConfigureAwait(false);
            layers = facts.IsOk ? facts.Value.GetValueOrDefault(use.ImageId) : null;
        }

        _recorder!.Record(e, EventMapping.TimeOf(e), use, image, layers);
        if (_recorder.LastError is { } error)
        {
            Warn($"recording failed: {error}");
        }
    }

    private static bool AddsBytes(EngineEvent e) => (e.Type, e.Action) switch
    {
        ("image", "pull" or "load" or "import" or "tag") => true,
        ("container", "create" or "die") => true,
        _ => false,
    };

    private static async Task PumpAsync(DockerClient client, DateTimeOffset since, ChannelWriter<ApiResult<EngineEvent>> writer, CancellationToken ct)
    {
        try
        {
            await foreach (var item in client.StreamEventsAsync(since, null, ct).ConfigureAwait(false))
            {
                await writer.WriteAsync(item, ct).ConfigureAwait(false);
                if (!item.IsOk)
                {
                    break;
                }
            }
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private async Task<ImageResolver> FreshResolverAsync(DockerClient client, CancellationToken ct)
    {
        var images = await client.ListImagesAsync(ct).ConfigureAwait(false);
        var containers = await client.ListContainersAsync(ct).ConfigureAwait(false);
        return new ImageResolver(
            images.IsOk ? EngineMapping.Images(images.Value, []) : [],
            containers.IsOk ? EngineMapping.Containers(containers.Value, []) : []);
    }

    private void RecordCycle(UsageLedger ledger)
    {
        if (_unrecorded is { } report)
        {
            _unrecorded = null;
            RecordMetrics(m => m.Report(report, ledger, _ledgerSaved, clock.GetUtcNow()));
        }
    }

    /// <summary>Records into the metrics; a file that cannot be written is said once until it can again.</summary>
    private void RecordMetrics(Func<Metrics.MetricsSink, string?> record)
    {
        if (metrics is null)
        {
            return;
        }

        var error = record(metrics);
        if (error is not null && _metricsError is null)
        {
            Warn($"{error}; retrying after each cycle, said again only once it has been written");
        }
        else if (error is null && _metricsError is not null)
        {
            Say("metrics-written", "the metrics file is written again");
        }

        _metricsError = error;
    }

    private DateTimeOffset SaveLedger(UsageLedger ledger)
    {
        var error = LedgerStore.Save(settings.Ledger.Path, ledger);
        _ledgerSaved = error is null;
        if (error is not null)
        {
            Warn(error);
        }
        else if (!_ledgerReadable)
        {
            _ledgerReadable = true;
            Say("ledger-trusted", "the rebuilt usage ledger is saved: stage 2 acts on it from the next cycle");
        }

        return clock.GetUtcNow();
    }

    /// <summary>
    /// A notable event of the watch itself: a `watch:` log line, or with --json a JSON object on
    /// stdout ({"event": …, "time": …, "message": …}) so that stdout stays JSON Lines.
    /// </summary>
    private void Say(string evt, string message, LogLevel level = LogLevel.Info)
    {
        if (output.Json)
        {
            output.Log.Emit(console.Out, JsonReport.Event(evt, clock.GetUtcNow(), message));
            if (level <= LogLevel.Warning)
            {
                output.Log.Write(level, Safe.Line($"watch: {message}"));
            }

            return;
        }

        output.Log.Write(level, Safe.Line($"watch: {message}"));
    }

    /// <summary>A diagnostic: stderr, in every mode.</summary>
    private void Warn(string message) => output.Log.Warning(Safe.Line($"watch: warning: {message}"));
}
