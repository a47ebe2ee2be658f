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

    protected Task<IReadOnlyList<string>> LoadAsync(IReadOnlyList<FixtureImage> images) =>
        Docker.LoadAsync(images, TestContext.Current.CancellationToken);

    /// <summary>Starts a container that runs until removed; busybox from the fixture's base layer.</summary>
    protected string RunContainer(string image, string name, params string[] extra) =>
        Docker.Cli(["run", "-d", "--network", "none", "--name", name, .. extra, image, "sleep", "3600"]);

    protected string CreateStopped(string image, string name) =>
        Docker.Cli("create", "--network", "none", "--name", name, image, "true");

    public virtual void Dispose()
    {
        Sandbox.RemoveBallast();
        GC.SuppressFinalize(this);
    }
}
