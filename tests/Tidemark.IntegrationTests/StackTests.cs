using System.Diagnostics;
using System.Text.Json;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>
/// Issue 9: the container image (built offline by scripts/image) and deploy/swarm/stack.yml on
/// the sandbox's one-node swarm: the task runs, logs its first cycle as JSON, does not count its
/// own stack as a CI run, acts under pressure, and never evicts its own image.
/// </summary>
public sealed class StackTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    private const string Stack = "tidemark";
    private const string Service = "tidemark_tidemark";
    private static readonly Layer Base = new("stack-base", 4_000_000);

    private static (int Code, string Output) Run(string file, IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Sandbox.RepoRoot() };
        foreach (var (key, value) in env)
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result.Trim() + (stderr.Result.Length > 0 ? "\n" + stderr.Result.Trim() : ""));
    }

    /// <summary>The task's JSON lines so far (docker service logs prefixes each with the task's name).</summary>
    private IReadOnlyList<JsonElement> Logs()
    {
        var (_, output) = Docker.TryCli("service", "logs", "--raw", Service);
        var lines = new List<JsonElement>();
        foreach (var line in output.Split('\n'))
        {
            var json = line.IndexOf('{', StringComparison.Ordinal) is var at and >= 0 ? line[at..] : "";
            try
            {
                lines.Add(JsonDocument.Parse(json).RootElement.Clone());
            }
            catch (JsonException)
            {
                // A line that is not JSON (the CLI's own notes): not the task's.
            }
        }

        return lines;
    }

    [Fact]
    public async Task The_stack_deploys_logs_a_json_cycle_prunes_under_pressure_and_keeps_its_own_image()
    {
        var env = new Dictionary<string, string> { ["DOCKER_HOST"] = Docker.Host };
        var built = Run(Path.Combine(Sandbox.RepoRoot(), "scripts", "image"), env);
        Assert.True(built.Code == 0, built.Output);
        var image = built.Output.Split('\n')[0];
        var ownImage = Docker.Cli("image", "inspect", "--format", "{{.Id}}", image);

        await LoadAsync([
            FixtureImage.Tagged("ci/old:1", Now.AddDays(-40), Base, new Layer("stack-old-1", 6_000_000)),
            FixtureImage.Tagged("ci/old:2", Now.AddDays(-30), Base, new Layer("stack-old-2", 6_000_000)),
        ]);
        var used = Sandbox.UsedPercent();
        var dir = Directory.CreateDirectory(Path.Combine(Sandbox.WorkDir, $"stack-{Guid.NewGuid():N}")).FullName;
        var state = Directory.CreateDirectory(Path.Combine(dir, "state")).FullName;
        var config = Path.Combine(dir, "tidemark.toml");
        // Every stack counts as a CI run here, Tidemark's own included, were it not its own.
        File.WriteAllText(config, $"""
            [busy]
            stack_patterns = [".*"]
            [disk]
            high_watermark_percent = {used + 3}
            low_watermark_percent = {Math.Max(1, used - 1)}
            [prune]
            min_age = "1s"
            [watch]
            interval = "2s"
            """);
        var deployEnv = new Dictionary<string, string>(env)
        {
            ["TIDEMARK_IMAGE"] = image,
            ["TIDEMARK_CONFIG_FILE"] = config,
            ["TIDEMARK_STATE_DIR"] = state,
            ["DOCKER_SOCKET"] = Docker.SocketPath,
            ["DOCKER_DATA_ROOT"] = Sandbox.DataRoot,
        };

        try
        {
            var deployed = Run("docker", deployEnv, "stack", "deploy", "-c", Path.Combine(Sandbox.RepoRoot(), "deploy", "swarm", "stack.yml"), Stack);
            Assert.True(deployed.Code == 0, deployed.Output);

            FixtureDocker.WaitUntil(() => Docker.Lines("service", "ps", Service, "--filter", "desired-state=running", "--format", "{{.CurrentState}}")
                .Any(s => s.StartsWith("Running", StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
            FixtureDocker.WaitUntil(() => Logs().Any(l => l.TryGetProperty("event", out var e) && e.GetString() == "cycle"), TimeSpan.FromSeconds(60));
            var first = Logs().First(l => l.GetProperty("event").GetString() == "cycle");
            Assert.Equal("watch", first.GetProperty("command").GetString());
            Assert.Equal(Sandbox.DataRoot, first.GetProperty("disk").GetProperty("path").GetString());
            var idle = first.GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("name").GetString() == "idle");
            Assert.True(idle.GetProperty("passed").GetBoolean(), idle.ToString());
            Assert.Contains("Tidemark's own not counted", idle.GetProperty("reason").GetString());

            // Pressure: the next tick acts, and evicts the unused images, not its own.
            Sandbox.FillTo(used + 4);
            FixtureDocker.WaitUntil(() => Logs().Any(l => l.TryGetProperty("reclaimedBytes", out var r) && r.GetInt64() > 0), TimeSpan.FromSeconds(90));

            var acted = Logs().First(l => l.TryGetProperty("reclaimedBytes", out var r) && r.GetInt64() > 0);
            Assert.True(acted.GetProperty("allowed").GetBoolean(), acted.ToString());
            var tags = Docker.Tags();
            Assert.DoesNotContain("ci/old:1", tags);
            Assert.DoesNotContain("ci/old:2", tags);
            Assert.Contains(image, tags);
            Assert.Contains(ownImage, Docker.ImageIds());
            // Stage 2 looked at its own image and kept it because it is in use.
            var own = acted.GetProperty("stage2").GetProperty("images").EnumerateArray().Single(i => i.GetProperty("id").GetString() == ownImage);
            Assert.Equal("keep", own.GetProperty("decision").GetString());
            Assert.Equal("in-use", own.GetProperty("reason").GetString());
            Assert.DoesNotContain(acted.GetProperty("actions").EnumerateArray().SelectMany(a => a.GetProperty("items").EnumerateArray()),
                item => item.GetProperty("id").GetString() == ownImage);
        }
        finally
        {
            Docker.TryCli("stack", "rm", Stack);
            FixtureDocker.WaitUntil(() => Docker.Lines("ps", "-q", "--filter", $"label=com.docker.stack.namespace={Stack}").Count == 0, TimeSpan.FromSeconds(60));
        }
    }
}
