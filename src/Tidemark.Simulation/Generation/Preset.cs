namespace Tidemark.Simulation.Generation;

/// <summary>
/// The knobs of a synthetic CI host. Sizes are uncompressed bytes on disk; downloads are
/// compressed at <see cref="CompressionRatio"/>.
/// </summary>
/// <param name="Apps">Apps under test; each is a stack of 1–4 images.</param>
/// <param name="RunsPerDay">Daytime CI runs (Poisson, between 08:00 and 20:00), app by Zipf popularity.</param>
/// <param name="ZipfExponent">Skew of which app a run tests: 0 uniform, ~1 a few apps dominate.</param>
/// <param name="RunMinutes">Mean run duration (log-normal).</param>
/// <param name="NightlySweep">Every night at 02:00, test every app, one after another.</param>
/// <param name="AppReleaseDays">Mean days between new versions of an app image (new upper layers, same base).</param>
/// <param name="BaseBumpDays">Mean days between new versions of a base image (apps rebuild on it).</param>
/// <param name="AppLayerMegabytes">Mean size of an app's own layers, in MB (log-normal).</param>
/// <param name="MovingTagShare">Share of images deployed by a moving tag (`app:main`, `redis:latest`): each new
/// build takes the tag over and leaves the previous image dangling. 0: every version has its own tag.</param>
public sealed record Preset(
    string Name,
    string Description,
    int Days,
    long DiskBytes,
    int Apps,
    double RunsPerDay,
    double ZipfExponent,
    double RunMinutes,
    bool NightlySweep,
    double AppReleaseDays,
    double BaseBumpDays,
    double AppLayerMegabytes,
    double CompressionRatio = 0.4,
    double MovingTagShare = 0);

public static class Presets
{
    private const long GB = 1_000_000_000;

    public static IReadOnlyList<Preset> All { get; } =
    [
        new("small-ci",
            "the seed's host: a 64 GB CI runner, a dozen apps, a few dozen runs a day and a nightly sweep",
            Days: 21, DiskBytes: 64 * GB, Apps: 12, RunsPerDay: 30, ZipfExponent: 1.0, RunMinutes: 12,
            NightlySweep: true, AppReleaseDays: 2, BaseBumpDays: 14, AppLayerMegabytes: 400),
        new("busy-runner",
            "a shared runner: 200 GB, 60 apps, 300 overlapping runs a day, a nightly sweep",
            Days: 21, DiskBytes: 200 * GB, Apps: 60, RunsPerDay: 300, ZipfExponent: 1.1, RunMinutes: 15,
            NightlySweep: true, AppReleaseDays: 2, BaseBumpDays: 10, AppLayerMegabytes: 300),
        new("tight-disk",
            "a 32 GB host whose nightly sweep of 50 apps cycles more image bytes than the disk holds",
            Days: 14, DiskBytes: 32 * GB, Apps: 50, RunsPerDay: 40, ZipfExponent: 1.0, RunMinutes: 10,
            NightlySweep: true, AppReleaseDays: 5, BaseBumpDays: 30, AppLayerMegabytes: 400),
        new("moving-tags",
            "a 40 GB runner deploying :main and :latest tags: every new build takes the tag and leaves the last one dangling",
            Days: 14, DiskBytes: 40 * GB, Apps: 20, RunsPerDay: 60, ZipfExponent: 1.0, RunMinutes: 10,
            NightlySweep: true, AppReleaseDays: 1, BaseBumpDays: 14, AppLayerMegabytes: 500, MovingTagShare: 1.0),
    ];

    public static Preset? Find(string name) => All.FirstOrDefault(p => p.Name == name);
}
