using System.Net.Sockets;
using System.Text;

namespace Tidemark.IntegrationTests;

/// <summary>
/// Issue 9: watch as a Type=notify unit — READY=1 once watching, WATCHDOG=1 keep-alives at half
/// the watchdog interval from its loop, STOPPING=1 on SIGTERM — and the ledger and lock in the
/// directories systemd gives it.
/// </summary>
public sealed class SystemdTests(Sandbox sandbox) : IntegrationTest(sandbox)
{
    [Fact]
    public void Watch_tells_systemd_it_is_ready_feeds_the_watchdog_and_says_it_is_stopping()
    {
        var dir = Directory.CreateTempSubdirectory("tidemark-notify-").FullName;
        var path = Path.Combine(dir, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(path));
        var state = Path.Combine(dir, "state");
        var runtime = Path.Combine(dir, "runtime");
        Directory.CreateDirectory(state);
        Directory.CreateDirectory(runtime);
        // No [ledger] or [lock] in this config: they must come from systemd's directories.
        var config = Path.Combine(dir, "tidemark.toml");
        File.WriteAllText(config, QuietDisk + "[watch]\ninterval = \"1h\"\n");
        var env = new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = path,
            ["WATCHDOG_USEC"] = "1000000",
            ["STATE_DIRECTORY"] = state,
            ["RUNTIME_DIRECTORY"] = runtime,
        };

        var messages = new List<string>();
        using (var watch = new TidemarkProcess(Docker.Host, env, "watch", "--config", config))
        {
            notify.ReceiveTimeout = 30_000;
            var buffer = new byte[4096];
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (messages.Count(m => m.Contains("WATCHDOG=1", StringComparison.Ordinal)) < 4 && DateTime.UtcNow < deadline)
            {
                messages.Add(Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer)));
            }

            Assert.True(File.Exists(Path.Combine(runtime, "tidemark.lock")), "the lock is not in RUNTIME_DIRECTORY");
            Assert.Equal(0, watch.Terminate(TimeSpan.FromSeconds(30)));
            notify.ReceiveTimeout = 5_000;
            while (notify.Available > 0)
            {
                messages.Add(Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer)));
            }
        }

        Assert.StartsWith("READY=1\nSTATUS=watching ", messages[0]);
        Assert.True(messages.Count(m => m == "WATCHDOG=1") >= 4, string.Join(" | ", messages));
        Assert.Contains(messages, m => m.StartsWith("STATUS=blocked by disk", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("STOPPING=1", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(state, "ledger.json")), "the ledger is not in STATE_DIRECTORY");
        Directory.Delete(dir, recursive: true);
    }
}
