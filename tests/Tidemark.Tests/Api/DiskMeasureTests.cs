using Tidemark.Core.Inventory;
using Tidemark.Docker.Host;

namespace Tidemark.Tests.Api;

/// <summary>Issue 9: an unprivileged unit measures the data root's file system through its mount point.</summary>
public sealed class DiskMeasureTests
{
    private const string MountInfo = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        30 22 8:2 / /srv rw,relatime shared:2 - ext4 /dev/sda2 rw
        31 30 7:0 / /srv/docker\040data rw,relatime shared:3 - ext4 /dev/loop0 rw
        40 22 0:5 / /proc rw - proc proc rw
        """;

    [Theory]
    [InlineData("/var/lib/docker", "/")]
    [InlineData("/srv/private/docker", "/srv")]
    [InlineData("/srv/docker data/root", "/srv/docker data")]
    [InlineData("/srv", "/srv")]
    [InlineData("/srvx/docker", "/")]
    public void The_mount_holding_a_path_is_the_longest_mount_point_above_it(string path, string mount) =>
        Assert.Equal(mount, MountPoints.Containing(path, MountInfo));

    private static DiskMeasure.StatVfsCall Fake(Dictionary<string, int> errnos) => (string path, out DiskReading reading, out string error, out int errno) =>
    {
        errno = errnos.GetValueOrDefault(path);
        reading = new DiskReading(path, 100, 40, 40, 10, 5);
        error = errno == 0 ? "" : $"cannot measure {path}: errno {errno}";
        return errno == 0;
    };

    [Fact]
    public void A_data_root_this_user_cannot_reach_is_measured_at_its_mount_point_and_says_so()
    {
        var ok = DiskMeasure.TryRead("/srv/private/docker", out var reading, out _, () => MountInfo, Fake(new() { ["/srv/private/docker"] = 13 }));

        Assert.True(ok);
        Assert.Equal("/srv", reading.Path);
        Assert.Equal("/srv/private/docker", reading.StandsFor);
        Assert.Equal("/srv (the file system of /srv/private/docker)", reading.Display);
    }

    [Fact]
    public void A_data_root_that_does_not_exist_here_is_an_error_not_the_file_system_around_it()
    {
        // In a container without the host's data root mounted, "/" would be the container's own.
        var ok = DiskMeasure.TryRead("/var/lib/docker", out _, out var error, () => MountInfo, Fake(new() { ["/var/lib/docker"] = 2 }));
        Assert.False(ok);
        Assert.Contains("/var/lib/docker", error);
    }

    [Fact]
    public void A_reachable_data_root_is_measured_itself()
    {
        Assert.True(DiskMeasure.TryRead("/var/lib/docker", out var reading, out _, () => MountInfo, Fake([])));
        Assert.Equal("/var/lib/docker", reading.Display);
    }
}
