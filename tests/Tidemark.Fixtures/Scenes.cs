namespace Tidemark.Fixtures;

/// <summary>
/// Named image sets for the demo and tests. Sizes are small enough for a 1–2 GB sandbox data
/// root yet shaped like a CI host: a few shared bases, apps built on them, stale dangling builds.
/// </summary>
public static class Scenes
{
    public static IReadOnlyList<string> Names { get; } = ["ci-host", "nightly-pulls", "weekly-pulls", "bench-1000"];

    public static class Bases
    {
        public static readonly Layer Alpine = new("base-alpine", 8_000_000);
        public static readonly Layer Debian = new("base-debian", 60_000_000);
        public static readonly Layer Node = new("base-node-on-debian", 110_000_000);
        public static readonly Layer Python = new("base-python-on-debian", 80_000_000);
    }

    public static IReadOnlyList<FixtureImage> Get(string name, DateTimeOffset now) => name switch
    {
        "ci-host" => CiHost(now),
        "nightly-pulls" => NightlyPulls(now),
        "weekly-pulls" => WeeklyPulls(now),
        "bench-1000" => Many(now, 1000),
        _ => throw new ArgumentException($"unknown scene '{name}' (known: {string.Join(", ", Names)})"),
    };

    /// <summary>The warm cache of a small CI host, plus the leftovers that stage 1 exists to clear.</summary>
    public static IReadOnlyList<FixtureImage> CiHost(DateTimeOffset now)
    {
        var month = now.AddDays(-30);
        var week = now.AddDays(-7);
        return
        [
            FixtureImage.Tagged("alpine:3.19", month, Bases.Alpine),
            FixtureImage.Tagged("debian:12", month, Bases.Debian),
            FixtureImage.Tagged("node:20", month, Bases.Debian, Bases.Node),
            FixtureImage.Tagged("python:3.12", month, Bases.Debian, Bases.Python),
            FixtureImage.Tagged("ci/web:1.4", week, Bases.Debian, Bases.Node, new Layer("web-1.4", 20_000_000)),
            FixtureImage.Tagged("ci/api:2.0", week, Bases.Debian, Bases.Python, new Layer("api-2.0", 15_000_000)),
            FixtureImage.Tagged("ci/worker:0.9", week, Bases.Alpine, new Layer("worker-0.9", 10_000_000)),
            FixtureImage.Tagged("postgres:16", month, Bases.Debian, new Layer("postgres-16", 30_000_000)),
            // Superseded builds whose tags moved on: dangling, and old enough to go.
            FixtureImage.Dangling(week, Bases.Debian, Bases.Node, new Layer("web-1.1", 25_000_000)),
            FixtureImage.Dangling(week, Bases.Debian, Bases.Node, new Layer("web-1.2", 25_000_000)),
            FixtureImage.Dangling(week, Bases.Debian, Bases.Python, new Layer("api-1.9", 20_000_000)),
            // A build from an hour ago: dangling but younger than the minimum age, so it stays.
            FixtureImage.Dangling(now.AddHours(-1), Bases.Debian, Bases.Node, new Layer("web-1.5-rc", 25_000_000)),
        ];
    }

    /// <summary>What a nightly sweep pulls: more apps on the same bases, enough to push the disk past the mark.</summary>
    public static IReadOnlyList<FixtureImage> NightlyPulls(DateTimeOffset now)
    {
        var day = now.AddDays(-2);
        return
        [
            FixtureImage.Tagged("ci/web:1.5", day, Bases.Debian, Bases.Node, new Layer("web-1.5", 60_000_000)),
            FixtureImage.Tagged("ci/api:2.1", day, Bases.Debian, Bases.Python, new Layer("api-2.1", 55_000_000)),
            FixtureImage.Tagged("ci/reports:3.0", day, Bases.Debian, Bases.Python, new Layer("reports-3.0", 80_000_000)),
            FixtureImage.Tagged("ci/docs:1.0", day, Bases.Debian, Bases.Node, new Layer("docs-1.0", 65_000_000)),
        ];
    }

    /// <summary>A later batch on the same bases, for watch mode to react to.</summary>
    public static IReadOnlyList<FixtureImage> WeeklyPulls(DateTimeOffset now)
    {
        var day = now.AddDays(-1);
        return
        [
            FixtureImage.Tagged("ci/e2e:5.0", day, Bases.Debian, Bases.Node, new Layer("e2e-5.0", 70_000_000)),
            FixtureImage.Tagged("ci/ml:0.3", day, Bases.Debian, Bases.Python, new Layer("ml-0.3", 80_000_000)),
        ];
    }

    /// <summary>A large, cheap store for timing (P3): many small images over ten shared bases, a tenth of them dangling.</summary>
    public static IReadOnlyList<FixtureImage> Many(DateTimeOffset now, int count)
    {
        var bases = Enumerable.Range(0, 10).Select(b => new Layer($"bench-base-{b}", 1_000_000)).ToArray();
        return Enumerable.Range(0, count).Select(i =>
        {
            var layers = new[] { bases[i % bases.Length], new Layer($"bench-own-{i}", 10_000) };
            return i % 10 == 9
                ? FixtureImage.Dangling(now.AddDays(-10 - i % 7), layers)
                : FixtureImage.Tagged($"bench/app{i:D4}:1", now.AddDays(-10 - i % 7), layers);
        }).ToList();
    }
}
