using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>
/// Issue 7's soak: rounds of random scenes (shared layers, containers in every state, services
/// scaled up and down and pinned by tag or by digest, volumes with data, a protect glob), each
/// followed by random runs with real pressure and a random fault injected by the proxy. After
/// every run: no volume or its data, no image in use, named by a service or protected is gone,
/// nothing was forced, and the exit code is 0, 69 or 75.
/// </summary>
/// <remarks>
/// TIDEMARK_SOAK_ROUNDS (default 3), TIDEMARK_SOAK_SEED (default 1) and TIDEMARK_SOAK_FIRST_ROUND
/// (default 1): round r of seed s always draws the same scene and runs, so a failing round is
/// replayed alone with its seed and number (scripts/soak --seed S --from-round R --rounds 1).
/// TIDEMARK_SOAK_LOG, when set, receives the summary and any failing round's record (every
/// round's with TIDEMARK_SOAK_VERBOSE=1).
/// </remarks>
public sealed class SoakTests : IntegrationTest, IAsyncDisposable
{
    // Fixed, so that a seed draws the same image IDs on every machine and day.
    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Endpoints every run under pressure reads (as in FaultTests), and how many of its calls a
    /// fault may let pass: the listings are read again before each removal step, and images are
    /// inspected one by one while their layer facts are not yet in the ledger.
    /// </summary>
    private static readonly (string Path, int MaxSkip)[] ReadPaths =
    [
        ("^/_ping$", 0), ("^/info$", 0), ("^/containers/json$", 2), ("^/images/json$", 0), ("^/system/df$", 0),
        ("^/services$", 2), ("^/events$", 0), ("^/images/.+/json$", 4), ("^/images/.+/history$", 4),
    ];

    private static readonly string[] PrunePaths = ["^/containers/prune$", "^/images/prune$", "^/build/prune$"];

    private readonly FaultProxy _proxy;

    public SoakTests(Sandbox sandbox) : base(sandbox)
    {
        _proxy = FaultProxy.Start(Docker.SocketPath, Path.Combine(Sandbox.WorkDir, $"soak-{Guid.NewGuid():N}.sock"));
    }

    private static string Registry => Environment.GetEnvironmentVariable("TIDEMARK_SANDBOX_REGISTRY") ?? "127.0.0.1:5000";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) ? value : fallback;

    [Fact]
    public async Task Random_scenes_runs_and_faults_never_remove_what_must_stay()
    {
        var rounds = EnvInt("TIDEMARK_SOAK_ROUNDS", 3);
        var seed = EnvInt("TIDEMARK_SOAK_SEED", 1);
        var first = EnvInt("TIDEMARK_SOAK_FIRST_ROUND", 1);
        Say($"soak: seed {seed}, rounds {first}..{first + rounds - 1}");
        var totals = new Totals();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        try
        {
            for (var round = first; round < first + rounds; round++)
            {
                await RoundAsync(seed, round, totals);
                totals.Rounds++;
            }
        }
        finally
        {
            // Also after a failure: how far the soak got is part of its report.
            Say($"soak: {totals.Rounds} rounds, {totals.Runs} runs, {totals.ImagesRemoved} images removed, {totals.FaultsInjected} faults injected, seed {seed}");
            Say($"soak: detail: {totals.FaultsPlanned} faults planned, {totals.FaultsInjected} took effect; {totals.ContainersRemoved} containers removed; "
                + $"{totals.Blocked} runs blocked by a gate, {totals.CriticalRuns} critical; exits {string.Join(", ", totals.Exits.OrderBy(e => e.Key).Select(e => $"{e.Key}×{e.Value}"))}; "
                + $"{clock.Elapsed.TotalSeconds:0}s");
        }
    }

    private static void Say(string line)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        Console.WriteLine(line);
        if (Environment.GetEnvironmentVariable("TIDEMARK_SOAK_LOG") is { Length: > 0 } log)
        {
            File.AppendAllText(log, line + "\n");
        }
    }

    private async Task RoundAsync(int seed, int round, Totals totals)
    {
        // Only (seed, round) decide the draws, so one round replays alone.
        var rng = new Random(unchecked((seed * 1_000_003) + round));
        var log = new StringBuilder($"soak seed {seed}, round {round}\n");
        try
        {
            Sandbox.RemoveBallast();
            Docker.Reset();
            _proxy.Clear();
            var scene = await SceneAsync(rng, round, log);
            var config = Sandbox.Config("");
            var dir = Path.GetDirectoryName(config)!;

            // The first run starts the ledger (everything first seen, so used, now); it must not act.
            WriteConfig(config, dir, scene, QuietDisk, critical: null, stage2: true, order: "lru");
            var quiet = await Sandbox.TidemarkAsync("run", "--json", "--config", config);
            if (quiet.ExitCode != 0 || quiet.Actions.Count > 0)
            {
                throw new InvalidOperationException($"the quiet first run acted or failed:\n{quiet}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(1500), Ct);

            var runs = rng.Next(1, 4);
            for (var run = 1; run <= runs; run++)
            {
                if (run > 1 && rng.Next(3) == 0 && scene.Services.Count > 0)
                {
                    var service = scene.Services[rng.Next(scene.Services.Count)];
                    var replicas = Docker.Cli("service", "inspect", "--format", "{{.Spec.Mode.Replicated.Replicas}}", service) == "0" ? 1 : 0;
                    Docker.Cli("service", "scale", "-d", $"{service}={replicas}");
                    WaitConverged();
                    log.Append($"between runs: scaled {service} to {replicas}\n");
                }

                await RunAsync(rng, seed, round, run, scene, config, dir, log, totals);
            }

            if (Environment.GetEnvironmentVariable("TIDEMARK_SOAK_VERBOSE") == "1")
            {
                Record(log);
            }
        }
        catch (Exception e) when (e is not SoakFailure)
        {
            // A harness fault (a docker CLI step of the scene) is not a Tidemark finding, but it
            // must name the round all the same.
            log.Append($"HARNESS ERROR: {e}\n");
            Record(log);
            throw new InvalidOperationException($"soak seed {seed}, round {round}: {e.Message}\n{log}", e);
        }
        finally
        {
            Sandbox.RemoveBallast();
        }
    }

    /// <summary>
    /// The round's record to the log file, then to the test output; control characters are shown
    /// as escapes, since a garbage answer quoted in the output must not hide the record itself.
    /// </summary>
    private static void Record(StringBuilder log)
    {
        var text = Printable(log.ToString());
        if (Environment.GetEnvironmentVariable("TIDEMARK_SOAK_LOG") is { Length: > 0 } file)
        {
            File.AppendAllText(file, text);
        }

        TestContext.Current.TestOutputHelper?.WriteLine(text);
    }

    private static string Printable(string text) =>
        Regex.Replace(text, "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]", m => $"\\x{(int)m.Value[0]:x2}", RegexOptions.None, TimeSpan.FromSeconds(5));

    // The scene ------------------------------------------------------------------------------

    private sealed class Scene
    {
        public List<string> Services { get; } = [];

        public string Protect { get; set; } = "";

        public bool Busy { get; set; }
    }

    private async Task<Scene> SceneAsync(Random rng, int round, StringBuilder log)
    {
        var scene = new Scene();
        var bases = Enumerable.Range(0, rng.Next(2, 5))
            .Select(b => new Layer($"soak-{round}-base{b}", rng.Next(200_000, 3_000_001)))
            .ToList();
        var images = new List<FixtureImage>();
        var count = rng.Next(6, 16);
        var repos = Math.Max(2, count / 3);
        for (var i = 0; i < count; i++)
        {
            var first = bases[rng.Next(bases.Count)];
            var layers = new List<Layer> { Layer.Busybox, first };
            if (rng.Next(10) < 3)
            {
                var second = bases[rng.Next(bases.Count)];
                if (second != first)
                {
                    layers.Add(second);
                }
            }

            // Some images add nothing of their own: removing one of them frees nothing.
            if (rng.Next(10) < 8)
            {
                layers.Add(new Layer($"soak-{round}-img{i}", rng.Next(100_000, 2_000_001)));
            }

            var tags = new List<string>();
            if (rng.Next(10) < 7)
            {
                var repo = $"soak/r{rng.Next(repos)}";
                tags.Add($"{repo}:v{i}");
                switch (rng.Next(8))
                {
                    case 0: tags.Add($"{repo}:alias{i}"); break;
                    case 1: tags.Add($"soak-alt/a{i}:1"); break;
                }
            }

            // Old enough for every min_age, and one minute apart so no two fixtures are one image.
            var created = Epoch.AddDays(-rng.Next(2, 90)).AddMinutes(i);
            images.Add(new FixtureImage(tags, layers, created));
        }

        var ids = await LoadAsync(images);
        for (var i = 0; i < images.Count; i++)
        {
            log.Append($"image {Short(ids[i])} [{string.Join(' ', images[i].Tags)}] layers {string.Join('+', images[i].Layers.Select(l => l.IsBusybox ? "busybox" : $"{l.Name}({l.Size / 1000}k)"))} created {images[i].Created:yyyy-MM-dd}\n");
        }

        var tagged = Enumerable.Range(0, images.Count).Where(i => images[i].Tags.Count > 0).ToList();
        var services = new List<(string Name, string Reference, int Plan)>();
        var pinned = new HashSet<int>();

        // Pinned by digest: push, delete locally, pull back by digest alone (the form that once broke).
        if (tagged.Count > 0 && rng.Next(10) < 6)
        {
            var i = tagged[rng.Next(tagged.Count)];
            pinned.Add(i);
            var tag = images[i].Tags[0];
            var digest = Docker.PullByDigestOnly(tag, Registry);
            services.Add(($"soak-digest{i}", digest, rng.Next(4)));
            log.Append($"pinned {Short(ids[i])} by digest only: {digest} (tag {tag} deleted locally)\n");
        }

        // Pinned by tag and digest, as `docker service create` resolves a tag; the local tag stays.
        var unpinned = tagged.Where(i => !pinned.Contains(i)).ToList();
        if (unpinned.Count > 0 && rng.Next(10) < 3)
        {
            var i = unpinned[rng.Next(unpinned.Count)];
            pinned.Add(i);
            var remote = $"{Registry}/{images[i].Tags[0]}";
            Docker.Cli("tag", images[i].Tags[0], remote);
            Docker.Cli("push", remote);
            var digest = Docker.Cli("image", "inspect", "--format", "{{index .RepoDigests 0}}", remote);
            services.Add(($"soak-tagdigest{i}", $"{remote}@{digest[(digest.IndexOf('@') + 1)..]}", rng.Next(4)));
            log.Append($"pinned {Short(ids[i])} by tag and digest: {remote}@…\n");
        }

        var byTag = tagged.Where(i => !pinned.Contains(i)).ToList();
        for (var s = rng.Next(1, 4); s > 0 && byTag.Count > 0; s--)
        {
            var i = byTag[rng.Next(byTag.Count)];
            var tag = images[i].Tags[rng.Next(images[i].Tags.Count)];
            services.Add(($"soak-svc{services.Count}", tag, rng.Next(4)));
        }

        // Plans: 0 created at 0 replicas, 1 at 1, 2 at 1 then scaled to 0, 3 at 0 then scaled to 1.
        foreach (var (name, reference, plan) in services)
        {
            // A short grace period: busybox sleep as PID 1 ignores SIGTERM, and scaling down would
            // otherwise wait the default 10 s.
            Docker.Cli("service", "create", "-d", "--no-resolve-image", "--stop-grace-period", "1s", "--name", name,
                "--replicas", plan is 1 or 2 ? "1" : "0", reference, "sleep", "3600");
            scene.Services.Add(name);
            log.Append($"service {name} {reference} {plan switch { 0 => "replicas 0", 1 => "replicas 1", 2 => "replicas 1, scaled to 0", _ => "replicas 0, scaled to 1" }}\n");
        }

        WaitConverged();
        if (services.Any(s => s.Plan >= 2))
        {
            foreach (var (name, _, plan) in services.Where(s => s.Plan >= 2))
            {
                Docker.Cli("service", "scale", "-d", $"{name}={(plan == 2 ? 0 : 1)}");
            }

            WaitConverged();
        }

        // Containers in every state, on any image: tagged ones by name, the others by ID.
        string Ref(int i) => images[i].Tags.Count > 0 && !pinned.Contains(i) ? images[i].Tags[0] : ids[i];
        int Pick() => rng.Next(images.Count);
        for (var c = rng.Next(1, 3); c > 0; c--)
        {
            var i = Pick();
            var busy = !scene.Busy && rng.Next(8) == 0;
            scene.Busy |= busy;
            string[] label = busy ? ["--label", "tidemark.busy=1"] : [];
            RunContainer(Ref(i), $"soak-running{c}", label);
            log.Append($"container soak-running{c} running on {Short(ids[i])}{(busy ? ", busy label" : "")}\n");
        }

        for (var c = rng.Next(1, 3); c > 0; c--)
        {
            var i = Pick();
            RunContainer(Ref(i), $"soak-paused{c}");
            Docker.Cli("pause", $"soak-paused{c}");
            log.Append($"container soak-paused{c} paused on {Short(ids[i])}\n");
        }

        for (var c = rng.Next(1, 3); c > 0; c--)
        {
            var i = Pick();
            CreateStopped(Ref(i), $"soak-created{c}");
            log.Append($"container soak-created{c} created on {Short(ids[i])}\n");
        }

        for (var c = rng.Next(1, 3); c > 0; c--)
        {
            var i = Pick();
            // Sometimes with an anonymous volume holding data: pruning the container must leave it.
            var anonymous = rng.Next(3) == 0;
            string[] volume = anonymous ? ["-v", "/data"] : [];
            Docker.Cli(["run", "--network", "none", "--name", $"soak-exited{c}", .. volume, Ref(i), "sh", "-c",
                anonymous ? $"echo exited{c} > /data/note && head -c {rng.Next(1_000, 200_000)} /dev/urandom > /data/blob" : "true"]);
            log.Append($"container soak-exited{c} exited on {Short(ids[i])}{(anonymous ? ", anonymous volume with data" : "")}\n");
        }

        for (var v = rng.Next(1, 3); v > 0; v--)
        {
            var i = Pick();
            Docker.Cli("run", "--network", "none", "--name", $"soak-writer{v}", "-v", $"soak-vol{v}:/data", Ref(i), "sh", "-c",
                $"mkdir -p /data/d && echo round{round} > /data/d/note && head -c {rng.Next(1_000, 500_000)} /dev/urandom > /data/blob");
            Docker.Cli("rm", $"soak-writer{v}");
            log.Append($"volume soak-vol{v} written by a removed container on {Short(ids[i])}\n");
        }

        // The protect glob: a tag glob, a digest glob or an ID prefix, on one image as the daemon lists it now.
        var state = await ObserveAsync();
        var target = state.Images.Values.OrderBy(m => m.Id, StringComparer.Ordinal).ElementAt(rng.Next(state.Images.Count));
        var form = rng.Next(3);
        scene.Protect = form == 0 && target.Tags.Count > 0
            ? Repository(target.Tags[rng.Next(target.Tags.Count)]) + ":*"
            : form == 1 && target.Digests.Count > 0
                ? target.Digests[0].Split('@')[0] + "@*"
                : target.Id["sha256:".Length..][..12];
        log.Append($"protect \"{scene.Protect}\" (chosen for {Short(target.Id)})\n");
        return scene;
    }

    private void WaitConverged() =>
        FixtureDocker.WaitUntil(
            () => Docker.Lines("service", "ls", "--format", "{{.Replicas}}").All(r => r.Split('/') is [var up, var want] && up == want),
            TimeSpan.FromSeconds(60));

    private static void WriteConfig(string config, string dir, Scene scene, string disk, int? critical, bool stage2, string order) =>
        File.WriteAllText(config, $"""
            [lock]
            path = "{dir}/tidemark.lock"
            [ledger]
            path = "{dir}/ledger.json"
            [prune]
            min_age = "1s"
            critical_min_age = "1s"
            protect = ["{scene.Protect}"]
            stage2 = {(stage2 ? "true" : "false")}
            eviction_order = "{order}"
            {disk}{(critical is { } c ? $"critical_watermark_percent = {c}\n" : "")}
            """);

    // One run ------------------------------------------------------------------------------

    private async Task RunAsync(Random rng, int seed, int round, int number, Scene scene, string config, string dir, StringBuilder log, Totals totals)
    {
        var before = await ObserveAsync();
        var keep = MustKeep(before, scene);

        var used = Sandbox.UsedPercent();
        var low = Math.Max(1, used - rng.Next(1, 4));
        var critical = scene.Busy && rng.Next(2) == 0;
        var stage2 = rng.Next(10) > 0;
        var order = rng.Next(2) == 0 ? "lru" : "predicted-reuse";
        WriteConfig(config, dir, scene, $"[disk]\nhigh_watermark_percent = {used}\nlow_watermark_percent = {low}\n",
            critical ? used : null, stage2, order);
        var (faultText, rule, racer) = DrawFault(rng);
        // Drawn here, not on the racer's thread, so the round stays reproducible.
        var racerDelay = rng.Next(100, 1500);
        var racerImage = before.Images.Keys.Order(StringComparer.Ordinal).ElementAt(rng.Next(before.Images.Count));

        _proxy.Clear();
        if (rule is not null)
        {
            _proxy.Add(rule);
            totals.FaultsPlanned++;
        }

        var mark = _proxy.Calls.Count;
        log.Append($"run {number}: high {used}% low {low}%{(critical ? $" critical {used}%" : "")}, stage2 {stage2}, {order}, fault {faultText}{(racer ? $", racer on {Short(racerImage)} after {racerDelay}ms" : "")}\n");

        var running = Sandbox.TidemarkAsync(new Dictionary<string, string> { ["DOCKER_HOST"] = _proxy.Host }, "run", "--json", "--config", config);
        string? raced = null;
        if (racer)
        {
            await Task.Delay(racerDelay, Ct);
            var (code, _) = Docker.TryCli("create", "--network", "none", "--name", $"soak-racer{number}", racerImage, "true");
            raced = code == 0 ? racerImage : null;
            log.Append($"  racer container {(raced is null ? "not created (image gone)" : "created")}\n");
        }

        var result = await running;
        var calls = _proxy.Calls.Skip(mark).ToList();
        var after = await ObserveAsync();

        totals.Runs++;
        totals.Exits[result.ExitCode] = totals.Exits.GetValueOrDefault(result.ExitCode) + 1;
        if (calls.Any(c => c.Fault is not null))
        {
            totals.FaultsInjected++;
        }

        var violations = new List<string>();
        JsonElement? report = null;
        try
        {
            report = result.Json;
        }
        catch (JsonException)
        {
            violations.Add("stdout is not one JSON object");
        }

        if (report is { } json && json.TryGetProperty("actions", out var actions))
        {
            foreach (var action in actions.EnumerateArray())
            {
                var removed = action.TryGetProperty("removed", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetInt32() : 0;
                switch (action.GetProperty("kind").GetString())
                {
                    case "image" or "dangling-images": totals.ImagesRemoved += removed; break;
                    case "containers": totals.ContainersRemoved += removed; break;
                }
            }

            if (json.TryGetProperty("stage2", out var review) && review.ValueKind == JsonValueKind.Object)
            {
                log.Append("  stage 2: ").AppendJoin(' ', review.GetProperty("images").EnumerateArray()
                    .Select(i => $"{i.GetProperty("name").GetString()}={i.GetProperty("reason").GetString()}")).Append('\n');
            }

            if (json.TryGetProperty("notes", out var notes))
            {
                log.AppendJoin("", notes.EnumerateArray().Select(n => $"  note: {n.GetString()}\n"));
            }

            if (!json.GetProperty("allowed").GetBoolean())
            {
                totals.Blocked++;
                log.Append("  blocked: ").AppendJoin("; ", json.GetProperty("gates").EnumerateArray()
                    .Where(g => !g.GetProperty("passed").GetBoolean()).Select(g => g.GetProperty("reason").GetString())).Append('\n');
                if (calls.Any(IsMutating))
                {
                    violations.Add("a gate blocked, yet it called " + string.Join(", ", calls.Where(IsMutating).Select(c => $"{c.Method} {c.Path}")));
                }
            }

            if (json.GetProperty("critical").GetBoolean())
            {
                totals.CriticalRuns++;
                violations.AddRange(calls.Where(c => c.Method == "POST").Select(c => $"under critical pressure it called a prune endpoint: {c.Path}"));
            }
        }

        violations.AddRange(Check(before, after, keep, calls, result, raced));
        var reads = calls.Where(c => !IsMutating(c)).GroupBy(c => Regex.Replace(Bare(c.Path), "^/images/.+/", "/images/*/")).Select(g => $"{g.Key}×{g.Count()}");
        log.Append($"  reads: {string.Join(' ', reads)}\n");
        log.Append($"  exit {result.ExitCode}; {string.Join(", ", calls.Where(IsMutating).Select(c => $"{c.Method} {Target(c.Path)} → {c.Status?.ToString() ?? "closed"}{(c.Fault is null ? "" : " (fault)")}"))}\n");

        if (violations.Count > 0)
        {
            log.Append("VIOLATIONS:\n").AppendJoin("", violations.Select(v => $"  - {v}\n"))
                .Append("must keep before the run:\n").AppendJoin("", keep.Select(k => $"  {Short(k.Key)}: {k.Value}\n"))
                .Append("tidemark:\n").Append(result).Append('\n');
            Record(log);
            throw new SoakFailure($"soak found a violation: seed {seed}, round {round}, run {number}\n{Printable(log.ToString())}");
        }
    }

    private static (string Text, FaultRule? Rule, bool Racer) DrawFault(Random rng)
    {
        static Regex Path(string pattern) => new(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
        switch (rng.Next(9))
        {
            case 0 or 1:
                return ("none", null, false);
            case 2 or 3 or 4:
                {
                    var (path, maxSkip) = ReadPaths[rng.Next(ReadPaths.Length)];
                    var fault = rng.Next(3) switch
                    {
                        0 => Fault.Status(500, "{\"message\":\"soak: injected\"}"),
                        1 => Fault.Close,
                        _ => Fault.Garbage,
                    };
                    // Skipping a few lets a fault land on a later read: a re-check between removals.
                    var skip = rng.Next(maxSkip + 1);
                    return ($"{fault} on GET {path} after {skip}", new FaultRule(fault) { Method = "GET", Path = Path(path), Skip = skip }, false);
                }

            case 5:
                {
                    var skip = rng.Next(3);
                    // Every retry too: the client must see the answer lost.
                    return ($"ForwardThenClose on DELETE after {skip}", new FaultRule(Fault.ForwardThenClose) { Method = "DELETE", Path = Path("^/images/"), Skip = skip }, false);
                }

            case 6:
                {
                    var wait = TimeSpan.FromMilliseconds(rng.Next(300, 1500));
                    return ($"Delay({wait.TotalMilliseconds}ms) on 3 DELETEs", new FaultRule(Fault.Delay(wait)) { Method = "DELETE", Path = Path("^/images/"), Times = 3 }, rng.Next(2) == 0);
                }

            case 7:
                {
                    var path = PrunePaths[rng.Next(PrunePaths.Length)];
                    return ($"500 on POST {path}", new FaultRule(Fault.Status(500, "{\"message\":\"soak: injected\"}")) { Method = "POST", Path = Path(path) }, false);
                }

            default:
                {
                    var skip = rng.Next(3);
                    return ($"500 on DELETE after {skip}", new FaultRule(Fault.Status(500, "{\"message\":\"soak: injected\"}")) { Method = "DELETE", Path = Path("^/images/"), Skip = skip }, false);
                }
        }
    }

    // The oracle ----------------------------------------------------------------------------

    /// <summary>
    /// Images no run may remove, or even try to, with why: named by a service (by tag or by digest),
    /// protected, or used by a live container. Images of stopped containers are not here: stage 1
    /// may prune such a container (older than min_age), after which its image is fair game.
    /// </summary>
    private static Dictionary<string, string> MustKeep(HostState state, Scene scene)
    {
        var keep = new Dictionary<string, string>();
        foreach (var service in state.Services)
        {
            var id = Resolve(state, service.Image)
                ?? throw new InvalidOperationException($"service {service.Name} names {service.Image}, which is not on the host: the scene is wrong");
            keep[id] = $"named by service {service.Name} ({service.Image})";
        }

        var glob = new Regex("^" + Regex.Escape(scene.Protect).Replace("\\*", ".*").Replace("\\?", ".") + "$", RegexOptions.None, TimeSpan.FromSeconds(1));
        var idPrefix = Regex.IsMatch(scene.Protect, "^[0-9a-f]{12,}$") ? "sha256:" + scene.Protect : null;
        foreach (var image in state.Images.Values)
        {
            if ((idPrefix is not null && image.Id.StartsWith(idPrefix, StringComparison.Ordinal))
                || image.Tags.Concat(image.Digests).Any(r => glob.IsMatch(r)))
            {
                keep[image.Id] = $"protected by \"{scene.Protect}\"";
            }
        }

        foreach (var container in state.Containers.Where(c => c.State is "running" or "paused" or "restarting"))
        {
            keep.TryAdd(container.ImageId, $"used by {container.State} container {container.Name}");
        }

        return keep;
    }

    private static IEnumerable<string> Check(HostState before, HostState after, Dictionary<string, string> keep, List<ProxyCall> calls, CliRun result, string? raced)
    {
        if (result.ExitCode is not (0 or 69 or 75))
        {
            yield return $"exit code {result.ExitCode}";
        }

        if ((result.Stdout + result.Stderr).Contains("   at ", StringComparison.Ordinal) || result.Stderr.Contains("unexpected error", StringComparison.Ordinal))
        {
            yield return "a stack trace or an unexpected error in the output";
        }

        foreach (var (id, why) in keep)
        {
            if (!after.Images.TryGetValue(id, out var now))
            {
                yield return $"image {Short(id)} removed, but it was {why}";
                continue;
            }

            var was = before.Images[id];
            foreach (var lost in was.Tags.Except(now.Tags).Concat(was.Digests.Except(now.Digests)))
            {
                yield return $"image {Short(id)} lost its reference {lost}, but it was {why}";
            }
        }

        var live = before.Containers.Where(c => c.State is "running" or "paused" or "restarting").ToList();
        foreach (var gone in live.Where(c => after.Containers.All(a => a.Id != c.Id)))
        {
            yield return $"{gone.State} container {gone.Name} removed";
        }

        // A stopped container's image may go only with every container that used it.
        foreach (var group in before.Containers.GroupBy(c => c.ImageId).Where(g => !after.Images.ContainsKey(g.Key)))
        {
            foreach (var left in group.Where(c => after.Containers.Any(a => a.Id == c.Id)))
            {
                yield return $"image {Short(group.Key)} removed while container {left.Name} still uses it";
            }
        }

        foreach (var service in before.Services.Where(s => after.Services.All(a => a.Name != s.Name || a.Image != s.Image)))
        {
            yield return $"service {service.Name} changed or removed";
        }

        foreach (var (volume, sum) in before.Volumes)
        {
            if (!after.Volumes.TryGetValue(volume, out var now))
            {
                yield return $"volume {volume} removed";
            }
            else if (now != sum)
            {
                yield return $"volume {volume}'s data changed ({sum[..12]} → {now[..12]})";
            }
        }

        // Images still used by a container that stayed: asking to remove one is a planning error
        // the daemon's 409 would hide, unless a racer started using it mid-run.
        var stillUsed = before.Containers.Where(c => after.Containers.Any(a => a.Id == c.Id)).Select(c => c.ImageId).ToHashSet();
        foreach (var call in calls.Where(IsMutating))
        {
            var path = Uri.UnescapeDataString(call.Path);
            var bare = Bare(call.Path);
            if (Regex.IsMatch(path, "force=(1|true)", RegexOptions.IgnoreCase))
            {
                yield return $"forced: {call.Method} {path}";
            }

            if (path.Contains("/volumes", StringComparison.Ordinal))
            {
                yield return $"a volume call: {call.Method} {path}";
            }

            if (call.Method == "POST" && bare is "/containers/prune" or "/build/prune")
            {
                if (Regex.IsMatch(path, "all=(1|true)", RegexOptions.IgnoreCase))
                {
                    yield return $"prune with all: {path}";
                }
            }
            else if (call.Method == "POST" && bare == "/images/prune")
            {
                if (!Regex.IsMatch(path, "\"dangling\":(\\[\"true\"\\]|\\{\"true\":true\\})"))
                {
                    yield return $"an image prune not limited to dangling images: {path}";
                }
            }
            else if (call.Method == "DELETE" && bare.StartsWith("/images/", StringComparison.Ordinal))
            {
                var target = Target(call.Path);
                var id = target.StartsWith("sha256:", StringComparison.Ordinal)
                    ? before.Images.Keys.FirstOrDefault(k => k.StartsWith(target, StringComparison.Ordinal))
                    : Resolve(before, target);
                if (id is null || id == raced)
                {
                    continue;
                }

                if (keep.TryGetValue(id, out var why))
                {
                    yield return $"tried to remove {target} ({Short(id)}), which was {why}";
                }
                else if (stillUsed.Contains(id))
                {
                    yield return $"tried to remove {target} ({Short(id)}), still used by a container that stayed";
                }
            }
            else
            {
                yield return $"an unexpected call: {call.Method} {path}";
            }
        }
    }

    private static bool IsMutating(ProxyCall call) => call.Method is not ("GET" or "HEAD");

    /// <summary>A request's path without its query and "/v1.NN" prefix, as fault rules see it.</summary>
    private static string Bare(string target)
    {
        var path = target.Split('?', 2)[0];
        var match = Regex.Match(path, "^/v[0-9.]+(/.*)$");
        return match.Success ? match.Groups[1].Value : path;
    }

    /// <summary>The image a DELETE names, unescaped, or the path when it is not one.</summary>
    private static string Target(string path)
    {
        var bare = Bare(path);
        return bare.StartsWith("/images/", StringComparison.Ordinal) ? Uri.UnescapeDataString(bare["/images/".Length..]) : bare;
    }

    /// <summary>The image a reference names, as the daemon resolves it: by digest through RepoDigests, else by tag.</summary>
    private static string? Resolve(HostState state, string reference)
    {
        var at = reference.IndexOf('@');
        if (at >= 0)
        {
            var digest = $"{Repository(reference[..at])}@{reference[(at + 1)..]}";
            return state.Images.Values.FirstOrDefault(i => i.Digests.Contains(digest))?.Id;
        }

        var tag = reference.LastIndexOf(':') > reference.LastIndexOf('/') ? reference : reference + ":latest";
        return state.Images.Values.FirstOrDefault(i => i.Tags.Contains(tag))?.Id;
    }

    /// <summary>A reference's repository: without its tag (the last colon after the last slash, not a registry's port).</summary>
    private static string Repository(string name)
    {
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? name[..colon] : name;
    }

    private static string Short(string id) => id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..19] : id;

    // What the daemon holds -------------------------------------------------------------------

    private sealed record DaemonImage(string Id, IReadOnlyList<string> Tags, IReadOnlyList<string> Digests);

    private sealed record DaemonContainer(string Id, string Name, string ImageId, string State);

    private sealed record DaemonService(string Name, string Image);

    private sealed record HostState(
        IReadOnlyDictionary<string, DaemonImage> Images,
        IReadOnlyList<DaemonContainer> Containers,
        IReadOnlyList<DaemonService> Services,
        IReadOnlyDictionary<string, string> Volumes);

    /// <summary>
    /// One listing per kind through the Engine API: each is a consistent snapshot, where a CLI
    /// inspect of listed IDs fails when swarm reaps a task's container in between.
    /// </summary>
    private async Task<HostState> ObserveAsync()
    {
        static IReadOnlyList<string> Strings(JsonElement item, string name) =>
            item.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
                ? [.. list.EnumerateArray().Select(e => e.GetString()!).Where(r => !r.Contains("<none>", StringComparison.Ordinal))]
                : [];

        var images = (await Docker.ApiAsync("images/json?all=1", Ct)).EnumerateArray()
            .Select(i => new DaemonImage(i.GetProperty("Id").GetString()!, Strings(i, "RepoTags"), Strings(i, "RepoDigests")))
            .ToDictionary(i => i.Id);
        var containers = (await Docker.ApiAsync("containers/json?all=1", Ct)).EnumerateArray()
            .Select(c => new DaemonContainer(c.GetProperty("Id").GetString()!, Strings(c, "Names").FirstOrDefault("").TrimStart('/'),
                c.GetProperty("ImageID").GetString()!, c.GetProperty("State").GetString()!))
            .ToList();
        var services = (await Docker.ApiAsync("services", Ct)).EnumerateArray()
            .Select(s => s.GetProperty("Spec"))
            .Select(s => new DaemonService(s.GetProperty("Name").GetString()!, s.GetProperty("TaskTemplate").GetProperty("ContainerSpec").GetProperty("Image").GetString()!))
            .ToList();
        var volumes = (await Docker.ApiAsync("volumes", Ct)).GetProperty("Volumes") is { ValueKind: JsonValueKind.Array } list
            ? list.EnumerateArray().ToDictionary(v => v.GetProperty("Name").GetString()!, v => Checksum(v.GetProperty("Mountpoint").GetString()!))
            : [];
        return new HostState(images, containers, services, volumes);
    }

    /// <summary>Every file's path and bytes under a volume's mount point (the tests run as root, as dockerd does).</summary>
    private static string Checksum(string mountpoint)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.EnumerateFiles(mountpoint, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(mountpoint, file) + "\0"));
            hash.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed class Totals
    {
        public int Rounds { get; set; }

        public int Runs { get; set; }

        public int ImagesRemoved { get; set; }

        public int ContainersRemoved { get; set; }

        public int FaultsPlanned { get; set; }

        public int FaultsInjected { get; set; }

        public int Blocked { get; set; }

        public int CriticalRuns { get; set; }

        public Dictionary<int, int> Exits { get; } = [];
    }

    private sealed class SoakFailure(string message) : Exception(message);

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
