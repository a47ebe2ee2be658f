using Tidemark.Cli;
using Tidemark.Cli.Locking;

namespace Tidemark.Tests.Locking;

/// <summary>Issue 7, defects 6 and 10: lock file problems are clear errors; links are not followed; a deleted lock is noticed.</summary>
public sealed class RunLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tidemark-lock-").FullName;

    private string PathOf(string name = "tidemark.lock") => Path.Combine(_dir, name);

    [Fact]
    public void The_lock_is_exclusive_and_released_on_dispose()
    {
        var (first, failure) = RunLock.TryAcquire(PathOf());
        Assert.Null(failure);
        var (second, held) = RunLock.TryAcquire(PathOf());
        Assert.Null(second);
        Assert.Equal(ExitCodes.TempFail, held!.ExitCode);
        // Issue 8: the message names the holder.
        Assert.Contains($"(PID {Environment.ProcessId}, tidemark run)", held.Message);
        first!.Dispose();
        var (third, _) = RunLock.TryAcquire(PathOf());
        Assert.NotNull(third);
        third!.Dispose();
    }

    [Fact]
    public void A_symlinked_lock_path_is_refused_and_its_target_left_alone()
    {
        var victim = PathOf("victim");
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink(PathOf(), victim);

        var (runLock, failure) = RunLock.TryAcquire(PathOf());

        Assert.Null(runLock);
        Assert.Equal(ExitCodes.Config, failure!.ExitCode);
        Assert.Contains("symbolic link", failure.Message);
        Assert.Equal("precious", File.ReadAllText(victim));
    }

    [Fact]
    public void A_dangling_symlink_does_not_create_its_target()
    {
        File.CreateSymbolicLink(PathOf(), PathOf("created-by-tidemark"));
        var (runLock, failure) = RunLock.TryAcquire(PathOf());
        Assert.Null(runLock);
        Assert.NotNull(failure);
        Assert.False(File.Exists(PathOf("created-by-tidemark")));
    }

    [Fact]
    public void A_directory_is_a_config_error_and_an_unwritable_place_an_io_error()
    {
        Assert.Equal(ExitCodes.Config, RunLock.TryAcquire(_dir).Failure!.ExitCode);
        // Nothing can be created under /proc, even as root.
        Assert.Equal(ExitCodes.IoError, RunLock.TryAcquire("/proc/tidemark-test/tidemark.lock").Failure!.ExitCode);
    }

    [Fact]
    public void Deleting_the_lock_file_lets_a_second_run_in_and_the_first_then_knows_it()
    {
        var (first, _) = RunLock.TryAcquire(PathOf());
        Assert.Null(first!.LostReason());

        File.Delete(PathOf());
        var (second, failure) = RunLock.TryAcquire(PathOf());

        Assert.Null(failure);
        Assert.Contains("removed or replaced", first.LostReason());
        Assert.Null(second!.LostReason());
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public void The_lock_file_is_private_and_holds_the_pid()
    {
        using var runLock = RunLock.TryAcquire(PathOf()).Lock!;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PathOf()));
        // .NET's own FileStream takes a shared flock, which the lock refuses: read it as an operator would.
        using var cat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("cat", [PathOf()]) { RedirectStandardOutput = true })!;
        Assert.Equal($"{Environment.ProcessId} run\n", cat.StandardOutput.ReadToEnd());
    }

    [Fact]
    public void A_run_that_finds_the_lock_held_by_watch_says_it_is_watch()
    {
        // Found writing the runbook: "another tidemark run holds the lock" when a watch held it.
        var (watch, _) = RunLock.TryAcquire(PathOf(), "watch");

        var (_, held) = RunLock.TryAcquire(PathOf(), "run");

        Assert.Equal($"another tidemark process (PID {Environment.ProcessId}, tidemark watch) holds the lock {PathOf()}; try again when it finishes", held!.Message);
        watch!.Dispose();
    }

    [Fact]
    public void Who_holds_the_lock_is_told_while_it_is_held_and_nothing_when_free()
    {
        Assert.Null(RunLock.HeldBy(PathOf(), out var missing));
        Assert.Null(missing);
        var (watch, _) = RunLock.TryAcquire(PathOf(), "watch");
        using (watch)
        {
            Assert.Equal($" (PID {Environment.ProcessId}, tidemark watch)", RunLock.HeldBy(PathOf(), out var error));
            Assert.Null(error);
            Assert.Equal("watch", RunLock.HolderCommand(PathOf()));
        }

        Assert.Null(RunLock.HeldBy(PathOf(), out var free));
        Assert.Null(free);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
