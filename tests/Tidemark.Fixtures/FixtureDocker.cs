using System.Diagnostics;
using System.Net.Http.Headers;
using Tidemark.Docker.Api;

namespace Tidemark.Fixtures;

/// <summary>
/// Test-side access to the sandbox daemon: loading generated images through the Engine API and
/// running the docker CLI for scene set-up (containers, services, stacks, volumes).
/// </summary>
public sealed class FixtureDocker(string socketPath) : IDisposable
{
    private readonly HttpClient _http = UnixSocketHttp.Create(socketPath);

    public string SocketPath { get; } = socketPath;

    public string Host => "unix://" + SocketPath;

    /// <summary>From DOCKER_HOST (as `scripts/sandbox up` exports it).</summary>
    public static FixtureDocker FromEnvironment()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST")
            ?? throw new InvalidOperationException("DOCKER_HOST is not set: run the tests through scripts/test, or eval \"$(scripts/sandbox up)\" first");
        if (!DockerEndpoint.TryParse(host, out var endpoint, out var error))
        {
            throw new InvalidOperationException(error);
        }

        return new FixtureDocker(endpoint.SocketPath);
    }

    /// <summary>docker load of a generated archive; returns the image IDs in input order.</summary>
    public async Task<IReadOnlyList<string>> LoadAsync(IReadOnlyList<FixtureImage> images, CancellationToken ct = default)
    {
        var archive = Path.Combine(Path.GetTempPath(), $"tidemark-fixture-{Guid.NewGuid():N}.tar");
        try
        {
            var ids = ImageArchive.Write(archive, images);
            await using var body = File.OpenRead(archive);
            using var content = new StreamContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
            using var response = await _http.PostAsync("v1.41/images/load?quiet=1", content, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode || text.Contains("\"error", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"docker load failed: {(int)response.StatusCode} {text}");
            }

            return ids;
        }
        finally
        {
            File.Delete(archive);
        }
    }

    /// <summary>GET on the Engine API (v1.41), parsed.</summary>
    public async Task<System.Text.Json.JsonElement> ApiAsync(string path, CancellationToken ct = default)
    {
        var text = await _http.GetStringAsync("v1.41/" + path, ct);
        return System.Text.Json.JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// A BuildKit build, to make build cache. Debian's docker.io CLI (/usr/bin/docker, 20.10) has
    /// BuildKit built in; newer CLIs need the buildx plugin, which these machines do not have.
    /// </summary>
    public void BuildKit(string contextDir, string tag)
    {
        const string debianCli = "/usr/bin/docker";
        var cli = File.Exists(debianCli) ? debianCli : "docker";
        var psi = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "build", "-q", "-t", tag, contextDir })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOCKER_HOST"] = Host;
        psi.Environment["DOCKER_BUILDKIT"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{cli} build failed: {stdout.Result}{stderr.Result}");
        }
    }

    /// <summary>Runs the docker CLI against the sandbox; throws with its output when it fails.</summary>
    public string Cli(params string[] args)
    {
        var (code, output) = TryCli(args);
        if (code != 0)
        {
            throw new InvalidOperationException($"docker {string.Join(' ', args)} exited {code}: {output}");
        }

        return output;
    }

    public (int ExitCode, string Output) TryCli(params string[] args)
    {
        var psi = new ProcessStartInfo("docker")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOCKER_HOST"] = Host;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, (stdout.Result + stderr.Result).Trim());
    }

    public IReadOnlyList<string> Lines(params string[] args) =>
        Cli(args).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Pushes a tag to <paramref name="registry"/>, deletes it locally and pulls it back by digest
    /// alone, as `docker pull app@sha256:…` leaves an image: untagged, with a digest reference.
    /// </summary>
    /// <returns>The digest reference.</returns>
    public string PullByDigestOnly(string tag, string registry)
    {
        var remote = $"{registry}/{tag}";
        Cli("tag", tag, remote);
        Cli("push", remote);
        var digest = Cli("image", "inspect", "--format", "{{index .RepoDigests 0}}", remote);
        Cli("rmi", tag, remote);
        Cli("pull", digest);
        return digest;
    }

    /// <summary>Image IDs (full) currently on the daemon, including untagged ones.</summary>
    public IReadOnlySet<string> ImageIds() => Lines("image", "ls", "-a", "-q", "--no-trunc").ToHashSet();

    public IReadOnlySet<string> Tags() =>
        Lines("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").Where(t => !t.Contains("<none>")).ToHashSet();

    /// <summary>
    /// Back to an empty daemon (swarm and registry stay): the tests own the sandbox, so this may
    /// force; Tidemark itself never does.
    /// </summary>
    public void Reset()
    {
        foreach (var stack in Lines("stack", "ls", "--format", "{{.Name}}"))
        {
            TryCli("stack", "rm", stack);
        }

        var services = Lines("service", "ls", "-q");
        if (services.Count > 0)
        {
            TryCli(["service", "rm", .. services]);
        }

        var containers = Lines("container", "ls", "-a", "-q");
        if (containers.Count > 0)
        {
            TryCli(["container", "rm", "-f", "-v", .. containers]);
        }

        WaitUntil(() => Lines("container", "ls", "-a", "-q").Count == 0, TimeSpan.FromSeconds(30));
        var images = Lines("image", "ls", "-a", "-q");
        if (images.Count > 0)
        {
            TryCli(["image", "rm", "-f", .. images.Distinct()]);
        }

        var volumes = Lines("volume", "ls", "-q");
        if (volumes.Count > 0)
        {
            TryCli(["volume", "rm", "-f", .. volumes]);
        }

        TryCli("builder", "prune", "-a", "-f");
        foreach (var network in Lines("network", "ls", "--filter", "type=custom", "--format", "{{.Name}}"))
        {
            if (network is not ("docker_gwbridge" or "ingress"))
            {
                TryCli("network", "rm", network);
            }
        }
    }

    public static void WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"condition not met within {timeout.TotalSeconds:0}s");
            }

            Thread.Sleep(250);
        }
    }

    public void Dispose() => _http.Dispose();
}
