using Tidemark.Core.Inventory;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Planning;

public sealed class ServiceReferenceTests
{
    private static readonly ImageRecord Image = new("sha256:1", "", ["nginx:1.27", "registry.local:5000/web:3"],
        ["nginx@sha256:abc", "registry.local:5000/web@sha256:def"], Scene.Now, 1, 0);

    [Theory]
    [InlineData("nginx:1.27", true)]
    [InlineData("docker.io/library/nginx:1.27", true)]
    [InlineData("nginx:1.27@sha256:abc", true)]
    [InlineData("nginx:1.26@sha256:abc", true)] // swarm pins the digest: the digest decides
    [InlineData("nginx@sha256:abc", true)]
    [InlineData("registry.local:5000/web:3", true)]
    [InlineData("registry.local:5000/web:3@sha256:def", true)]
    [InlineData("nginx:1.26", false)]
    [InlineData("nginx", false)] // nginx:latest
    [InlineData("other/nginx:1.27", false)]
    [InlineData("", false)]
    public void Services_name_images_by_tag_or_digest(string serviceImage, bool names) =>
        Assert.Equal(names, ImageReference.Names(serviceImage, Image));
}
