using Tidemark.Cli.Signals;

namespace Tidemark.Tests.Reliability;

/// <summary>Issue 7, defect 3: the first signal asks to stop; a second one, unless it is the first delivered twice, ends the process.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public void The_first_signal_cancels_and_names_itself()
    {
        using var shutdown = Shutdown.Manual();
        shutdown.Request(Shutdown.SigInt);
        Assert.True(shutdown.Token.IsCancellationRequested);
        Assert.Equal("SIGINT", shutdown.Reason);
        Assert.Equal(130, shutdown.ExitCode);
    }

    [Fact]
    public void A_second_signal_at_once_is_the_same_request_and_a_later_one_is_not()
    {
        var seconds = new List<int>();
        using var shutdown = new Shutdown((code, _) => seconds.Add(code));
        shutdown.Request(Shutdown.SigTerm);
        shutdown.Request(Shutdown.SigTerm);
        Assert.Empty(seconds);

        Thread.Sleep(Shutdown.SameRequest + TimeSpan.FromMilliseconds(200));
        shutdown.Request(Shutdown.SigTerm);
        Assert.Equal([143], seconds);
        Assert.Equal(143, shutdown.ExitCode);
    }
}
