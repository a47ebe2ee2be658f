using Tidemark.Cli.Prepare;
using Tidemark.Core.Layers;

namespace Tidemark.Tests.Prepare;

public sealed class ReservationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tidemark-reservations-").FullName;

    private string LockPath => Path.Combine(_dir, "tidemark.lock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_claim_reads_back_as_written()
    {
        var reservation = new Reservation(4242, [("127.0.0.1:5000/app:2", 1_000), ("127.0.0.1:5000/db:1", 500)], ["sha256:aa"], [new LayerFact("sha256:cc", 77)]);

        var parsed = Reservations.Parse(Reservations.Format(reservation));

        Assert.NotNull(parsed);
        Assert.Equal(4242, parsed.Pid);
        Assert.Equal(reservation.Images, parsed.Images);
        Assert.Equal(reservation.Ids, parsed.Ids);
        Assert.Equal(reservation.Layers, parsed.Layers);
        Assert.Equal(1_500, parsed.Bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("something else\npid 1\n")]
    [InlineData("tidemark-prepare-reservation 1\n")]
    [InlineData("tidemark-prepare-reservation 1\npid x\n")]
    [InlineData("tidemark-prepare-reservation 1\npid 1\nimage -5 a:1\n")]
    [InlineData("tidemark-prepare-reservation 1\npid 1\nrm -rf /\n")]
    public void Anything_else_is_not_a_claim(string text) => Assert.Null(Reservations.Parse(text));

    [Fact]
    public void Only_a_held_claim_counts_and_a_lapsed_one_is_removed()
    {
        var dir = Reservations.Directory(LockPath);
        Directory.CreateDirectory(dir);
        // A claim nobody holds (its prepare ended without removing it).
        File.WriteAllText(Path.Combine(dir, "1-stale"), Reservations.Format(new Reservation(1, [("a:1", 10)], [], [])));

        Assert.Empty(Reservations.ReadLive(LockPath));
        Assert.False(File.Exists(Path.Combine(dir, "1-stale")));

        // A held claim counts (flock is per open file, so a second open here sees it held, as
        // another prepare would); disposing it removes it.
        string path;
        using (var claim = Reservations.Write(LockPath, new Reservation(999_999, [("b:1", 20)], ["sha256:bb"], []), out var problem))
        {
            Assert.Null(problem);
            path = claim!.Path;
            var live = Assert.Single(Reservations.ReadLive(LockPath));
            Assert.Equal("prepare PID 999999", live.Owner);
            Assert.Equal(20, live.Bytes);
            Assert.True(File.Exists(path));
        }

        Assert.False(File.Exists(path));
        Assert.Empty(Reservations.ReadLive(LockPath));
    }
}
