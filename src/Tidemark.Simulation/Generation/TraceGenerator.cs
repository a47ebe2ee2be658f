using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Tidemark.Simulation.Traces;

namespace Tidemark.Simulation.Generation;

/// <summary>
/// Reproducible synthetic CI-host traces: a catalogue of apps (stacks of 1–4 images) built on a
/// handful of shared bases, new versions over time that keep the base and replace upper layers,
/// Zipf popularity for daytime runs, a nightly sweep over every app, and a tick every 5 minutes.
/// The same preset and seed always give the same trace.
/// </summary>
public sealed class TraceGenerator
{
    private const long MB = 1_000_000;
    private static readonly TimeSpan TickEvery = TimeSpan.FromMinutes(5);
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private readonly Preset _preset;
    private readonly Random _random;
    private readonly Dictionary<string, Family> _families = [];
    private readonly List<App> _apps = [];
    private readonly double[] _zipf;

    private TraceGenerator(Preset preset, int seed)
    {
        _preset = preset;
        _random = new Random(seed);
        BuildCatalogue();
        _zipf = ZipfWeights(preset.Apps, preset.ZipfExponent);
    }

    public static Trace Generate(Preset preset, int seed) => new TraceGenerator(preset, seed).Run();

    /// <summary>A base family: its own layers on top of its parent's, bumped now and then.</summary>
    private sealed class Family(string name, Family? parent, long megabytes)
    {
        public string Name { get; } = name;
        public Family? Parent { get; } = parent;
        public long Megabytes { get; } = megabytes;
        public int Version { get; set; } = 1;
        public DateTimeOffset Released { get; set; } = Start.AddDays(-30);
        public DateTimeOffset? NextRelease { get; set; }
    }

    /// <summary>One image of an app's stack: either built on a base family, or a shared infra image.</summary>
    private sealed class Component(string repository, Family family, long ownMegabytes, int ownLayers, bool infra)
    {
        public string Repository { get; } = repository;
        public Family Family { get; } = family;
        public long OwnMegabytes { get; } = ownMegabytes;
        public int OwnLayers { get; } = ownLayers;
        public bool Infra { get; } = infra;
        public int Version { get; set; } = 1;
        public DateTimeOffset Released { get; set; } = Start.AddDays(-7);
        public DateTimeOffset? NextRelease { get; set; }
        public TraceImage? Current { get; set; }
        public int BuiltOnBaseVersion { get; set; }

        /// <summary>Deployed by a tag that every new build takes over (`:main`, `:latest`).</summary>
        public bool Moving { get; set; }
    }

    private sealed class App(string name, IReadOnlyList<Component> stack)
    {
        public string Name { get; } = name;
        public IReadOnlyList<Component> Stack { get; } = stack;
    }

    private void BuildCatalogue()
    {
        var debian = AddFamily("debian", null, 120);
        AddFamily("alpine", null, 8);
        var languages = new[]
        {
            AddFamily("node", debian, 900),
            AddFamily("python", debian, 850),
            AddFamily("golang", debian, 600),
            AddFamily("ruby", debian, 700),
            _families["alpine"],
        };
        var infra = new[]
        {
            new Component("library/postgres", debian, 300, 2, infra: true),
            new Component("library/redis", debian, 60, 1, infra: true),
            new Component("library/nginx", debian, 80, 1, infra: true),
        };

        for (var i = 1; i <= _preset.Apps; i++)
        {
            var name = $"app{i:D2}";
            var language = languages[_random.Next(languages.Length)];
            var stack = new List<Component> { new($"ci/{name}-web", language, Own(), 1 + _random.Next(3), infra: false) };
            var size = 1 + _random.Next(4);
            while (stack.Count < size)
            {
                stack.Add(_random.NextDouble() < 0.5
                    ? infra[_random.Next(infra.Length)]
                    : new Component($"ci/{name}-worker{stack.Count}", language, Own(), 1 + _random.Next(2), infra: false));
            }

            _apps.Add(new App(name, stack.DistinctBy(c => c.Repository).ToList()));
        }

        // Drawn only when asked for, so presets without moving tags keep their traces.
        if (_preset.MovingTagShare > 0)
        {
            foreach (var c in _apps.SelectMany(a => a.Stack).Distinct())
            {
                c.Moving = _random.NextDouble() < _preset.MovingTagShare;
            }
        }
    }

    private long Own() => Math.Max(5, (long)LogNormal(_preset.AppLayerMegabytes, 0.6));

    private Family AddFamily(string name, Family? parent, long megabytes)
    {
        var f = new Family(name, parent, megabytes);
        _families[name] = f;
        return f;
    }

    private Trace Run()
    {
        var end = Start.AddDays(_preset.Days);
        var events = new List<TraceEvent>();
        for (var t = Start; t < end; t += TickEvery)
        {
            events.Add(new TraceEvent(t, TraceKind.Tick));
        }

        var runs = 0;
        for (var day = 0; day < _preset.Days; day++)
        {
            var midnight = Start.AddDays(day);
            ReleaseUntil(midnight);
            if (_preset.NightlySweep)
            {
                var t = midnight.AddHours(2);
                foreach (var app in _apps)
                {
                    t = AddRun(events, app, t, ref runs) + TimeSpan.FromMinutes(1);
                }
            }

            var daytime = Poisson(_preset.RunsPerDay);
            var starts = Enumerable.Range(0, daytime)
                .Select(_ => midnight.AddHours(8 + 12 * _random.NextDouble()))
                .Order()
                .ToList();
            foreach (var s in starts)
            {
                ReleaseUntil(s);
                AddRun(events, _apps[PickZipf()], s, ref runs);
            }
        }

        var ordered = events.Where(e => e.Time < end)
            .Select((e, i) => (e, i))
            .OrderBy(x => x.e.Time)
            .ThenBy(x => x.i)
            .Select(x => x.e)
            .ToList();
        var description = string.Create(CultureInfo.InvariantCulture,
            $"{_preset.Name}: {_preset.Description}; {_preset.Days} days, {runs} runs");
        return new Trace(ordered, _preset.DiskBytes, description);
    }

    /// <summary>A run: deploy (pull every image of the stack, then create its containers), run, tear down.</summary>
    private DateTimeOffset AddRun(List<TraceEvent> events, App app, DateTimeOffset start, ref int runs)
    {
        runs++;
        var run = string.Create(CultureInfo.InvariantCulture, $"r{runs:D6}");
        var stack = $"{run}_ci_{app.Name}";
        events.Add(new TraceEvent(start, TraceKind.RunStart, Run: run, Stack: stack));
        var t = start;
        foreach (var component in app.Stack)
        {
            t += TimeSpan.FromSeconds(5);
            events.Add(new TraceEvent(t, TraceKind.Pull, ImageOf(component), run));
        }

        foreach (var component in app.Stack)
        {
            t += TimeSpan.FromSeconds(2);
            events.Add(new TraceEvent(t, TraceKind.Use, ImageOf(component), run));
        }

        var end = t + TimeSpan.FromMinutes(Math.Max(1, LogNormal(_preset.RunMinutes, 0.5)));
        events.Add(new TraceEvent(end, TraceKind.RunEnd, Run: run, Stack: stack));
        return end;
    }

    /// <summary>New base and app versions released up to <paramref name="until"/>.</summary>
    private void ReleaseUntil(DateTimeOffset until)
    {
        // Releases are a Poisson process per family and per image: the next release time is drawn
        // once, from the previous release, and kept until it comes.
        foreach (var f in _families.Values)
        {
            f.NextRelease ??= f.Released + TimeSpan.FromDays(Exponential(_preset.BaseBumpDays));
            while (f.NextRelease <= until)
            {
                f.Version++;
                f.Released = f.NextRelease.Value;
                f.NextRelease = f.Released + TimeSpan.FromDays(Exponential(_preset.BaseBumpDays));
            }
        }

        foreach (var c in _apps.SelectMany(a => a.Stack).Distinct())
        {
            var mean = c.Infra ? _preset.AppReleaseDays * 4 : _preset.AppReleaseDays;
            c.NextRelease ??= c.Released + TimeSpan.FromDays(Exponential(mean));
            while (c.NextRelease <= until)
            {
                c.Version++;
                c.Released = c.NextRelease.Value;
                c.NextRelease = c.Released + TimeSpan.FromDays(Exponential(mean));
                c.Current = null;
            }
        }
    }

    private TraceImage ImageOf(Component c)
    {
        // An app rebuilt on a bumped base is a new image too.
        if (c.Current is not null && c.BuiltOnBaseVersion == BaseVersion(c.Family))
        {
            return c.Current;
        }

        c.BuiltOnBaseVersion = BaseVersion(c.Family);
        var layers = new List<TraceLayer>();
        AddFamilyLayers(c.Family, layers);
        var chain = string.Join(",", layers.Select(l => l.Digest));
        for (var i = 0; i < c.OwnLayers; i++)
        {
            var size = c.OwnMegabytes * MB / c.OwnLayers;
            layers.Add(Layer($"{c.Repository}:{c.Version}:{i}:{chain}", size));
        }

        var tag = c.Moving
            ? $"{c.Repository}:{(c.Infra ? "latest" : "main")}"
            : string.Create(CultureInfo.InvariantCulture, $"{c.Repository}:v{c.Version}.{c.BuiltOnBaseVersion}");
        var id = "sha256:" + Hash(string.Join(",", layers.Select(l => l.Digest)) + tag);
        c.Current = new TraceImage(id, tag, c.Released > Start.AddDays(-7) ? c.Released : Start.AddDays(-7), layers);
        return c.Current;
    }

    private static int BaseVersion(Family f) => f.Version * 1000 + (f.Parent is null ? 0 : BaseVersion(f.Parent));

    private void AddFamilyLayers(Family f, List<TraceLayer> layers)
    {
        if (f.Parent is not null)
        {
            AddFamilyLayers(f.Parent, layers);
        }

        var chain = string.Join(",", layers.Select(l => l.Digest));
        layers.Add(Layer($"{f.Name}:{f.Version}:{chain}", f.Megabytes * MB));
    }

    private TraceLayer Layer(string name, long size) =>
        new("sha256:" + Hash(name), (long)(size * _preset.CompressionRatio), size);

    private static string Hash(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    private int PickZipf()
    {
        var x = _random.NextDouble();
        for (var i = 0; i < _zipf.Length; i++)
        {
            x -= _zipf[i];
            if (x <= 0)
            {
                return i;
            }
        }

        return _zipf.Length - 1;
    }

    private static double[] ZipfWeights(int n, double s)
    {
        var w = Enumerable.Range(1, n).Select(k => 1 / Math.Pow(k, s)).ToArray();
        var sum = w.Sum();
        return w.Select(x => x / sum).ToArray();
    }

    private double Exponential(double mean) => -mean * Math.Log(1 - _random.NextDouble());

    private int Poisson(double mean)
    {
        // Knuth's method is fine for the means used here; split large means to keep it exact.
        var n = 0;
        var remaining = mean;
        while (remaining > 0)
        {
            var step = Math.Min(remaining, 50);
            remaining -= step;
            var limit = Math.Exp(-step);
            var p = 1.0;
            while (true)
            {
                p *= _random.NextDouble();
                if (p <= limit)
                {
                    break;
                }

                n++;
            }
        }

        return n;
    }

    private double LogNormal(double mean, double sigma)
    {
        // Box–Muller; mu chosen so that the mean is as asked.
        var u1 = 1 - _random.NextDouble();
        var u2 = _random.NextDouble();
        var z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        var mu = Math.Log(mean) - sigma * sigma / 2;
        return Math.Exp(mu + sigma * z);
    }
}
