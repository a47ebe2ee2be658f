using System.Diagnostics;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>Failures end with the documented exit code, a one-line reason, and nothing touched.</summary>
public sealed class ExitCodeTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    [Fact]
    public async Task Bad_config_exits_78_naming_file_line_and_key_and_touches_nothing()
    {
        await LoadAsync([FixtureImage.Dangling(Now.AddDays(-10), new Layer("old", 1_000_000))]);
        Sandbox.FillTo(82);
        var images = Docker.ImageIds();
        var config = Sandbox.Config("[disk]\nhigh_watermark_percent = 140\n");

        var run = await Sandbox.TidemarkAsync("run", "--config", config);

        Assert.Equal(78, run.ExitCode);
        // The sandbox's config puts [lock] and [ledger] (four lines and a blank) before the test's own.
        Assert.Contains($"config error: {config}:7: [disk] high_watermark_percent = 140: must be a whole percentage from 1 to 100", run.Stderr);
        Assert.Equal(images, Docker.ImageIds());
    }

    [Fact]
    public async Task Unreachable_socket_exits_69_naming_the_socket()
    {
        var run = await Sandbox.TidemarkAsync(new Dictionary<string, string> { ["DOCKER_HOST"] = "unix:///run/tidemark-test/none.sock" },
            "plan", "--config", Sandbox.Config(""));

        Assert.Equal(69, run.ExitCode);
        Assert.Contains("cannot reach the Docker daemon at unix:///run/tidemark-test/none.sock", run.Stderr);
    }

    [Fact]
    public async Task A_second_run_while_one_holds_the_lock_exits_75()
    {
        var config = Sandbox.Config("");
        var lockPath = Path.Combine(Path.GetDirectoryName(config)!, "tidemark.lock");
        // A separate process holds the lock, as a concurrent timer run would.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", lockPath, "sleep", "30"]) { UseShellExecute = false })!;
        FixtureDocker.WaitUntil(() => File.Exists(lockPath), TimeSpan.FromSeconds(5));
        await Task.Delay(300, TestContext.Current.CancellationToken);
        try
        {
            var run = await Sandbox.TidemarkAsync("run", "--config", config);
            Assert.Equal(75, run.ExitCode);
            Assert.Contains($"another tidemark process holds the lock {lockPath}", run.Stderr);
        }
        finally
        {
            // flock hands the locked descriptor to its child: end both.
            holder.Kill(entireProcessTree: true);
        }

        holder.WaitForExit();
        // The kernel drops the lock when the last holder (flock's child) has exited.
        FixtureDocker.WaitUntil(() => Process.Start("flock", ["--nonblock", lockPath, "true"]) is { } p && p.WaitForExit(5000) && p.ExitCode == 0,
            TimeSpan.FromSeconds(10));
        var after = await Sandbox.TidemarkAsync("run", "--config", config);
        Assert.Equal(0, after.ExitCode);
    }

    [Fact]
    public async Task The_shipped_binary_returns_the_same_codes()
    {
        // Exit codes must survive Program.Main, not only the in-process entry point.
        var dll = Path.Combine(AppContext.BaseDirectory, "tidemark.dll");
        (int, string) Tidemark(string dockerHost, params string[] args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            psi.ArgumentList.Add(dll);
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment["DOCKER_HOST"] = dockerHost;
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, err.Result);
        }

        Assert.Equal(0, Tidemark(Docker.Host, "plan", "--config", Sandbox.Config("")).Item1);
        Assert.Equal(64, Tidemark(Docker.Host, "plan", "--no-such-flag").Item1);
        Assert.Equal(69, Tidemark("unix:///nonexistent/docker.sock", "plan", "--config", Sandbox.Config("")).Item1);
        Assert.Equal(78, Tidemark(Docker.Host, "plan", "--config", Sandbox.Config("[disk]\nlow_watermark_percent = 95\n")).Item1);
        await Task.CompletedTask;
    }
}
