using Tidemark.Core.Configuration;
using Tidemark.Core.Gates;
using Tidemark.Core.Inventory;

namespace Tidemark.Tests.Gates;

public sealed class DiskGateTests
{
    [Fact]
    public void Below_the_high_watermark_keeps_the_cache_and_says_so()
    {
        var r = DiskGate.Evaluate(Scene(31), new DiskSettings());
        Assert.False(r.Passed);
        Assert.Equal("disk /var/lib/docker at 31% (< 80%): keeping local image cache, nothing to do", r.Reason);
    }

    [Fact]
    public void At_the_high_watermark_passes()
    {
        var r = DiskGate.Evaluate(Scene(80), new DiskSettings());
        Assert.True(r.Passed);
        Assert.Equal("disk /var/lib/docker at 80% (>= 80%): under pressure, reclaiming towards 70%", r.Reason);
    }

    [Fact]
    public void One_below_blocks() => Assert.False(DiskGate.Evaluate(Scene(79), new DiskSettings()).Passed);

    [Fact]
    public void Used_percent_rounds_up_like_df()
    {
        // used 79.01% of (used + available): df prints 80%.
        var d = new DiskReading("/d", 10_000, 2_099, 2_099, 0, 0);
        Assert.Equal(7_901, d.UsedBytes);
        Assert.Equal(80, d.UsedPercent);
    }

    [Fact]
    public void Reserved_blocks_count_as_neither_used_nor_available()
    {
        // 1000 blocks, 300 free of which 50 are reserved for root: df shows 700/(700+250) = 74%.
        var d = new DiskReading("/d", 1000, 300, 250, 0, 0);
        Assert.Equal(74, d.UsedPercent);
    }

    [Theory]
    [InlineData(85, 70)]
    [InlineData(95, 80)]
    [InlineData(70, 70)]
    public void Bytes_to_free_bring_df_strictly_below_the_mark(int used, int target)
    {
        var d = Scene(used);
        var toFree = d.BytesToFreeForBelow(target);
        var after = d with { FreeBytes = d.FreeBytes + toFree, AvailableBytes = d.AvailableBytes + toFree };
        Assert.True(after.UsedPercent < target, $"{after.UsedPercent}% after freeing {toFree}");
        var lessOne = d with { FreeBytes = d.FreeBytes + toFree - 1, AvailableBytes = d.AvailableBytes + toFree - 1 };
        Assert.True(toFree == 0 || lessOne.UsedPercent >= target);
    }

    [Fact]
    public void Nothing_to_free_when_already_below() => Assert.Equal(0, Scene(40).BytesToFreeForBelow(70));

    private static DiskReading Scene(int percent) => Support.Scene.Disk(percent);
}
