using System.Globalization;
using System.Text.RegularExpressions;
using Tidemark.Cli;
using Tidemark.Cli.Output;
using Tidemark.Cli.Signals;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Packaging;

/// <summary>
/// Issue 9: every shipped unit verifies with systemd-analyze, and every service scores an
/// exposure of at most 1.5 (with the metrics drop-in too); `units install` writes them as shipped.
/// </summary>
public sealed partial class UnitFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tidemark-units-").FullName;

    private static string Shipped(string name) => Path.Combine(ExternalTool.RepoRoot(), "packaging", "systemd", name);

    public static TheoryData<string> Services => new() { "tidemark.service", "tidemark-watch.service" };

    [Theory]
    [InlineData("tidemark.service", false)]
    [InlineData("tidemark-watch.service", false)]
    [InlineData("tidemark.timer", false)]
    [InlineData("tidemark.service", true)]
    [InlineData("tidemark-watch.service", true)]
    public void Each_unit_verifies(string unit, bool withDropIns)
    {
        // ExecStart must name an executable that exists: one the test makes, as the install would.
        var binary = Path.Combine(_root, "tidemark");
        File.WriteAllText(binary, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(binary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var name in new[] { "tidemark.service", "tidemark.timer", "tidemark-watch.service" })
        {
            File.WriteAllText(Path.Combine(_root, name), File.ReadAllText(Shipped(name)).Replace("/usr/local/bin/tidemark", binary, StringComparison.Ordinal));
        }

        if (withDropIns)
        {
            // verify reads drop-ins from UNIT.d beside the file, as systemd would from /etc.
            var dir = Directory.CreateDirectory(Path.Combine(_root, unit + ".d")).FullName;
            File.Copy(Shipped("tidemark-metrics-file.conf"), Path.Combine(dir, "metrics-file.conf"));
            if (unit == "tidemark-watch.service")
            {
                File.Copy(Shipped("tidemark-watch-metrics.conf"), Path.Combine(dir, "metrics.conf"));
            }
        }

        // --man=no: the man page comes with the package, not on the machine that runs the tests.
        var (code, output) = Run("systemd-analyze", "verify", "--man=no", Path.Combine(_root, unit));
        Assert.True(code == 0 && output.Trim().Length == 0, output);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Each_service_scores_at_most_1_5(string unit)
    {
        var etc = Directory.CreateDirectory(Path.Combine(_root, "etc", "systemd", "system")).FullName;
        File.Copy(Shipped(unit), Path.Combine(etc, unit), overwrite: true);

        Assert.InRange(Exposure(unit), 0, 1.5);

        // Writing [metrics] file to /var/lib/tidemark-metrics: still within the target.
        var dropIns = Directory.CreateDirectory(Path.Combine(etc, unit + ".d")).FullName;
        File.Copy(Shipped("tidemark-metrics-file.conf"), Path.Combine(dropIns, "metrics-file.conf"), overwrite: true);
        Assert.InRange(Exposure(unit), 0, 1.5);

        if (unit == "tidemark-watch.service")
        {
            // Serving [metrics] listen opens IPv4/IPv6 to localhost: still within the target.
            File.Copy(Shipped("tidemark-watch-metrics.conf"), Path.Combine(dropIns, "metrics.conf"), overwrite: true);
            Assert.InRange(Exposure(unit), 0, 1.5);
        }
    }

    [Fact]
    public async Task Units_install_writes_the_shipped_units_for_the_given_binary_and_enables_nothing()
    {
        var output = new StringWriter();
        var code = await TidemarkCli.RunAsync(["units", "install", "--prefix", _root, "--binary", "/opt/tidemark/bin/tidemark"],
            new CliConsole(output, output, _ => null, false), TimeProvider.System, Shutdown.Manual());

        Assert.Equal(0, code);
        foreach (var name in new[] { "tidemark.service", "tidemark.timer", "tidemark-watch.service" })
        {
            var written = File.ReadAllText(Path.Combine(_root, "etc", "systemd", "system", name));
            Assert.Equal(File.ReadAllText(Shipped(name)).Replace("/usr/local/bin/tidemark", "/opt/tidemark/bin/tidemark", StringComparison.Ordinal), written);
        }

        Assert.False(Directory.Exists(Path.Combine(_root, "etc", "systemd", "system", "timers.target.wants")));
        Assert.False(Directory.Exists(Path.Combine(_root, "etc", "systemd", "system", "tidemark-watch.service.d")));
        Assert.Contains("systemctl enable", output.ToString());
    }

    private double Exposure(string unit)
    {
        var (code, output) = Run("systemd-analyze", "security", "--offline=true", $"--root={_root}", "--no-pager", unit);
        Assert.True(code == 0, output);
        var match = ExposureLine().Match(output);
        Assert.True(match.Success, output);
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static (int Code, string Output) Run(string file, params string[] args) => ExternalTool.Run("systemd", file, args);

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d+)")]
    private static partial Regex ExposureLine();

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
