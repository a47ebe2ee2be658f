using Tidemark.Core.Inventory;
using Tidemark.Docker;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Reliability;

/// <summary>Issue 7, defect 2: what is untagged before a delete by ID, and which 409 is a use.</summary>
public sealed class ImageRemovalTests
{
    private static ImageRecord Image(string[] tags, string[] digests) => new("sha256:ab", "", tags, digests, Scene.Now, 1, 0);

    [Fact]
    public void Two_tags_in_one_repository_untag_all_but_the_last()
    {
        Assert.Equal(["app:1.0"], ImageRemoval.ReferencesToDrop(Image(["app:1.0", "app:latest"], [])));
    }

    [Fact]
    public void Tags_in_several_repositories_and_stray_digests_are_dropped_first()
    {
        var drop = ImageRemoval.ReferencesToDrop(Image(["mirror.local/app:1", "app:1", "app:2"], ["app@sha256:1", "other/app@sha256:2"]));
        Assert.Equal(["mirror.local/app:1", "app:1", "other/app@sha256:2"], drop);
    }

    [Fact]
    public void An_untagged_image_keeps_the_first_digests_repository()
    {
        Assert.Equal(["b/app@sha256:2"], ImageRemoval.ReferencesToDrop(Image([], ["a/app@sha256:1", "b/app@sha256:2"])));
        Assert.Empty(ImageRemoval.ReferencesToDrop(Image([], [])));
        Assert.Empty(ImageRemoval.ReferencesToDrop(Image(["app:1"], ["app@sha256:1"])));
    }

    [Theory]
    // Messages as engine 20.10 words them.
    [InlineData("conflict: unable to delete 3f2c57b1d4a9 (cannot be forced) - image is being used by running container 5e1d", true)]
    [InlineData("conflict: unable to delete 3f2c57b1d4a9 (must be forced) - image is being used by stopped container 5e1d", true)]
    [InlineData("conflict: unable to remove repository reference \"app:1\" (must force) - container 5e1d is using its referenced image 3f2c", true)]
    [InlineData("conflict: unable to delete 3f2c57b1d4a9 (must be forced) - image is referenced in multiple repositories", false)]
    [InlineData("conflict: unable to delete 3f2c57b1d4a9 (cannot be forced) - image has dependent child images", false)]
    public void Only_a_conflict_naming_a_container_is_a_use(string message, bool inUse) =>
        Assert.Equal(inUse, ImageRemoval.SaysInUse(message));
}
