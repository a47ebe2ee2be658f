using System.Net;
using System.Net.Sockets;
using Tidemark.Cli.Metrics;
using Tidemark.Core.Configuration;

namespace Tidemark.Tests.Metrics;

/// <summary>Issue 9: watch's /metrics page, on loopback only in these tests.</summary>
public sealed class MetricsServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(MetricsServer Server, Uri Base)> StartAsync()
    {
        var server = new MetricsServer(new TidemarkMetrics(new DiskSettings()));
        Assert.Null(server.Start(new IPEndPoint(IPAddress.Loopback, 0)));
        await Task.Yield();
        return (server, new Uri($"http://127.0.0.1:{server.Endpoint!.Port}/"));
    }

    [Fact]
    public async Task Get_metrics_answers_the_exposition_and_any_other_path_is_not_found()
    {
        var (server, root) = await StartAsync();
        await using (server)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

            using var page = await http.GetAsync(new Uri(root, "metrics"), Ct);
            using var other = await http.GetAsync(new Uri(root, "secret"), Ct);

            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/plain", page.Content.Headers.ContentType!.MediaType);
            Assert.Contains("tidemark_watermark_ratio{kind=\"high\"} 0.8", await page.Content.ReadAsStringAsync(Ct));
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }
    }

    [Fact]
    public async Task A_client_that_connects_and_says_nothing_does_not_hold_up_the_next()
    {
        var (server, root) = await StartAsync();
        await using (server)
        {
            using var silent = new TcpClient();
            await silent.ConnectAsync(IPAddress.Loopback, server.Endpoint!.Port, Ct);
            using var garbage = new TcpClient();
            await garbage.ConnectAsync(IPAddress.Loopback, server.Endpoint!.Port, Ct);
            await garbage.GetStream().WriteAsync(new byte[] { 0, 1, 2, 13, 10, 13, 10 }, Ct);

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var page = await http.GetAsync(new Uri(root, "metrics"), Ct);

            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }
    }

    [Fact]
    public async Task An_address_in_use_is_an_error_that_names_it()
    {
        var (first, _) = await StartAsync();
        await using (first)
        {
            await using var second = new MetricsServer(new TidemarkMetrics(new DiskSettings()));

            var error = second.Start(first.Endpoint!);

            Assert.NotNull(error);
            Assert.Contains(first.Endpoint!.ToString(), error);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:9477", true)]
    [InlineData("[::1]:9477", true)]
    [InlineData("0.0.0.0:9477", true)]
    [InlineData("localhost:9477", false)]
    [InlineData("9477", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.0.0.1:0", false)]
    [InlineData("127.0.0.1:70000", false)]
    public void Listen_takes_an_address_and_a_port(string listen, bool valid)
    {
        var endpoint = MetricsServer.ParseListen(listen, out var error);

        Assert.Equal(valid, endpoint is not null);
        Assert.Equal(valid, error.Length == 0);
    }
}
