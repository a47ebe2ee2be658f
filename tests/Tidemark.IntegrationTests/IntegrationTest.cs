using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>Each test starts from an empty daemon with no disk ballast.</summary>
public abstract class IntegrationTest : IDisposable
{
    protected IntegrationTest(Sandbox sandbox)
    {
        Sandbox = sandbox;
        sandbox.RemoveBallast();
        sandbox.Docker.Reset();
    }

    protected Sandbox Sandbox { get; }

    protected FixtureDocker Docker => Sandbox.Docker;

    protected static DateTimeOffset Now => DateTimeOffset.UtcNow;

    /// <summary>Watermarks that keep the disk gate shut, so a first run only starts the ledger.</summary>
    protected const string QuietDisk = "[disk]\nhigh_watermark_percent = 99\nlow_watermark_percent = 98\n";

    /// <summary>
    /// Real pressure by configuration: the high watermark at today's use, the low one
    /// <paramref name="pointsBelow"/> percent points under it. Returns the low watermark.
    /// </summary>
    protected int PressureNow(string config, int pointsBelow)
    {
        var used = Sandbox.UsedPercent();
        var low = Math.Max(1, used - pointsBelow);
        File.WriteAllText(config, File.ReadAllText(config)
            .Replace("high_watermark_percent = 99", $"high_watermark_percent = {used}")
            .Replace("low_watermark_percent = 98", $"low_watermark_percent = {low}"));
        return low;
    }

    /// <summary>
    /// A config whose ledger has met every image already (a first run with the disk gate shut),
    /// 1 s min_age later, under real pressure (<see cref="PressureNow"/>): the images are old
    /// enough for stage 2, and nothing but the test's own doing protects them.
    /// </summary>
    /// <param name="pruneKeys">More `[prune]` lines, e.g. a protect list.</param>
    /// <param name="sections">More sections (`[watch]`, `[busy]`, …).</param>
    protected async Task<string> KnownAndUnderPressureAsync(int pointsBelow, string pruneKeys = "", string sections = "")
    {
        var config = Sandbox.Config("[prune]\nmin_age = \"1s\"\n" + pruneKeys + QuietDisk + sections);
        var first = await Sandbox.TidemarkAsync("run", "--config", config);
        Assert.True(first.ExitCode == 0, first.ToString());
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        PressureNow(config, pointsBelow);
        return config;
    }

    protected Task<IReadOnlyList<string>> LoadAsync(IReadOnlyList<FixtureImage> images) =>
        Docker.LoadAsync(images, TestContext.Current.CancellationToken);

    /// <summary>Starts a container that runs until removed; busybox from the fixture's base layer.</summary>
    protected string RunContainer(string image, string name, params string[] extra) =>
        Docker.Cli(["run", "-d", "--network", "none", "--name", name, .. extra, image, "sleep", "3600"]);

    protected string CreateStopped(string image, string name) =>
        Docker.Cli("create", "--network", "none", "--name", name, image, "true");

    /// <summary>Kills the sandbox's dockerd under a running watch, waits for the watch to say so, and brings it back.</summary>
    protected void RestartDaemon(TidemarkProcess watch, string lostLine)
    {
        var dir = Environment.GetEnvironmentVariable("TIDEMARK_SANDBOX_DIR")!;
        var pid = File.ReadAllText(Path.Combine(dir, "dockerd.pid")).Trim();
        using (var kill = System.Diagnostics.Process.Start("kill", [pid]))
        {
            kill.WaitForExit();
        }

        watch.WaitFor(lostLine, TimeSpan.FromSeconds(60));
        var psi = new System.Diagnostics.ProcessStartInfo(Path.Combine(Sandbox.RepoRoot(), "scripts", "sandbox"), ["up"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var up = System.Diagnostics.Process.Start(psi)!;
        var output = up.StandardOutput.ReadToEndAsync();
        var errors = up.StandardError.ReadToEndAsync();
        up.WaitForExit();
        Assert.True(up.ExitCode == 0, $"sandbox up failed: {output.Result}{errors.Result}");
    }

    public virtual void Dispose()
    {
        Sandbox.RemoveBallast();
        GC.SuppressFinalize(this);
    }
}
