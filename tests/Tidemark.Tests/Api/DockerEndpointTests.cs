using Tidemark.Docker.Api;

namespace Tidemark.Tests.Api;

public sealed class DockerEndpointTests
{
    [Theory]
    [InlineData("unix:///var/run/docker.sock", "/var/run/docker.sock")]
    [InlineData("/run/user/1000/docker.sock", "/run/user/1000/docker.sock")]
    public void Accepts_local_unix_sockets(string host, string path)
    {
        Assert.True(DockerEndpoint.TryParse(host, out var endpoint, out _));
        Assert.Equal(path, endpoint.SocketPath);
    }

    [Theory]
    [InlineData("tcp://10.0.0.5:2376", "not a unix socket")]
    [InlineData("ssh://ci@host", "not a unix socket")]
    [InlineData("unix://relative.sock", "not an absolute")]
    public void Refuses_remote_or_relative_hosts(string host, string expected)
    {
        Assert.False(DockerEndpoint.TryParse(host, out _, out var error));
        Assert.Contains(expected, error);
    }
}
