using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tidemark.Docker.Api;
using Tidemark.Fixtures;

namespace Tidemark.IntegrationTests;

/// <summary>
/// The fault-injection proxy itself, against the sandbox daemon: untouched traffic (the docker
/// CLI, streams, keep-alive, both body framings) passes through, and each fault does what it says.
/// </summary>
public sealed class FaultProxyTests : IntegrationTest
{
    private const string App = "proxyapp:1";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FaultProxy _proxy;
    private readonly HttpClient _http;

    public FaultProxyTests(Sandbox sandbox) : base(sandbox)
    {
        _proxy = FaultProxy.Start(Docker.SocketPath, Path.Combine(Sandbox.WorkDir, $"proxy-{Guid.NewGuid():N}.sock"));
        _http = UnixSocketHttp.Create(_proxy.SocketPath);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_docker_cli_works_through_the_proxy()
    {
        await LoadAsync([FixtureImage.Tagged(App, Now.AddDays(-1))]);
        using var through = new FixtureDocker(_proxy.SocketPath);

        Assert.Equal(Docker.Cli("version", "--format", "{{.Server.Version}}"), through.Cli("version", "--format", "{{.Server.Version}}"));
        Assert.Contains(App, through.Lines("images", "--format", "{{.Repository}}:{{.Tag}}"));
        // run attaches (a 101 upgrade relayed both ways) and waits on a long-held answer.
        Assert.Equal("through the proxy", through.Cli("run", "--rm", "--network", "none", App, "echo", "through the proxy"));
        // docker load -i streams the archive as a chunked request body.
        var archive = Path.Combine(Sandbox.WorkDir, "proxy-load.tar");
        ImageArchive.Write(archive, [FixtureImage.Tagged("proxyloaded:1", Now.AddDays(-1))]);
        Assert.Contains("proxyloaded:1", through.Cli("load", "-i", archive));

        var calls = _proxy.Calls;
        Assert.Contains(calls, c => c.Method == "POST" && c.Path.Contains("/attach?", StringComparison.Ordinal) && c.Status == 101);
        Assert.Contains(calls, c => c.Method == "POST" && c.Path.Contains("/wait", StringComparison.Ordinal) && c.Status == 200);
        Assert.All(calls, c => Assert.Null(c.Fault));
        Assert.All(calls, c => Assert.NotNull(c.Status));
        Assert.Contains("proxyloaded:1", Docker.Tags());
    }

    [Fact]
    public async Task Events_are_relayed_as_they_happen()
    {
        await LoadAsync([FixtureImage.Tagged(App, Now.AddDays(-1))]);
        var filters = Uri.EscapeDataString("""{"type":["image"],"event":["tag"]}""");
        using var response = await _http.GetAsync($"v1.41/events?filters={filters}", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

        // After the stream is open: only relaying chunk by chunk can deliver it before the stream ends.
        Docker.Cli("tag", App, "proxyapp:tagged-later");
        var line = await events.ReadLineAsync(Ct).AsTask().WaitAsync(Patience, Ct);

        Assert.Contains("proxyapp:tagged-later", line);
        Assert.Contains(_proxy.Calls, c => c.Path.StartsWith("/v1.41/events?", StringComparison.Ordinal) && c.Status == 200);
    }

    [Fact]
    public async Task One_connection_carries_many_requests_and_both_body_framings()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("OK", await _http.GetStringAsync("_ping", Ct));
        }

        // The daemon's 404 to a HEAD says Content-Length: 29 and sends no body: the proxy must not wait for one.
        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "v1.41/images/json"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        await LoadThroughProxyAsync("proxylength:1", chunked: false);
        await LoadThroughProxyAsync("proxychunked:1", chunked: true);
        Assert.Equal("OK", await _http.GetStringAsync("_ping", Ct));

        Assert.Single(_proxy.Calls.Select(c => c.Connection).Distinct());
        Assert.Equal(7, _proxy.Calls.Count);
        Assert.Superset(new HashSet<string> { "proxylength:1", "proxychunked:1" }, Docker.Tags().ToHashSet());
    }

    [Fact]
    public async Task Status_answers_without_the_daemon_and_the_log_keeps_the_query()
    {
        await LoadAsync([FixtureImage.Tagged(App, Now.AddDays(-1))]);
        _proxy.Add(new FaultRule(Fault.Status(500, """{"message":"injected"}""")) { Method = "DELETE", Path = Rx("^/images/[^/]+$") });

        using var response = await _http.DeleteAsync($"v1.41/images/{App}?force=false&noprune=false", Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"message":"injected"}""", await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains(App, Docker.Tags());
        var call = Assert.Single(_proxy.Mutating);
        Assert.Equal(("DELETE", $"/v1.41/images/{App}?force=false&noprune=false", 500, FaultKind.Status),
            (call.Method, call.Path, call.Status, call.Fault?.Kind));

        // The docker CLI reports the daemon's message as its own error.
        using var through = new FixtureDocker(_proxy.SocketPath);
        var (code, output) = through.TryCli("rmi", App);
        Assert.NotEqual(0, code);
        Assert.Contains("injected", output);
        Assert.Contains(App, Docker.Tags());
    }

    [Fact]
    public async Task Close_answers_nothing_and_the_daemon_does_nothing()
    {
        await LoadAsync([FixtureImage.Tagged(App, Now.AddDays(-1))]);
        _proxy.Add(new FaultRule(Fault.Close) { Method = "DELETE" });

        await Assert.ThrowsAsync<HttpRequestException>(() => _http.DeleteAsync($"v1.41/images/{App}", Ct));

        Assert.Contains(App, Docker.Tags());
        // .NET re-sends a request whose connection closed unanswered, so there may be several.
        Assert.NotEmpty(_proxy.Calls);
        Assert.All(_proxy.Calls, c => Assert.Equal(("DELETE", null, FaultKind.Close), (c.Method, c.Status, c.Fault?.Kind)));
    }

    [Fact]
    public async Task ForwardThenClose_lets_the_daemon_act_and_loses_its_answer()
    {
        await LoadAsync([FixtureImage.Tagged(App, Now.AddDays(-1))]);
        _proxy.Add(new FaultRule(Fault.ForwardThenClose) { Method = "DELETE", Path = Rx("^/images/[^/]+$") });

        await Assert.ThrowsAsync<HttpRequestException>(() => _http.DeleteAsync($"v1.41/images/{App}", Ct));

        Assert.DoesNotContain(App, Docker.Tags());
        Assert.NotEmpty(_proxy.Calls);
        Assert.All(_proxy.Calls, c => Assert.Equal(("DELETE", null, FaultKind.ForwardThenClose), (c.Method, c.Status, c.Fault?.Kind)));
    }

    [Fact]
    public async Task Dotnet_resends_a_request_whose_answer_was_lost_so_one_use_is_masked()
    {
        // Not the proxy's doing but a trap for its users: SocketsHttpHandler retries on a new
        // connection, so Tidemark sees the daemon's answer to the second DELETE, not a lost connection.
        await LoadAsync([FixtureImage.Tagged(App, Now.AddDays(-1))]);
        _proxy.Add(new FaultRule(Fault.ForwardThenClose) { Method = "DELETE", Times = 1 });

        using var response = await _http.DeleteAsync($"v1.41/images/{App}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal([(null, FaultKind.ForwardThenClose), (404, null)], _proxy.Mutating.Select(c => (c.Status, c.Fault?.Kind)));
        Assert.Equal(2, _proxy.Mutating.Select(c => c.Connection).Distinct().Count());
    }

    [Fact]
    public async Task Garbage_answers_200_with_a_body_that_is_not_json_and_prunes_nothing()
    {
        var ids = await LoadAsync([FixtureImage.Dangling(Now.AddDays(-10), new Layer("proxy-dangling", 1000))]);
        _proxy.Add(new FaultRule(Fault.Garbage) { Method = "POST", Path = Rx("^/images/prune$") });

        using var response = await _http.PostAsync("v1.41/images/prune", null, Ct);
        var body = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([0x00, 0xff], body[..2]);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(body));
        Assert.Contains(ids[0], Docker.ImageIds());
    }

    [Fact]
    public async Task Truncated_answers_the_first_half_of_the_daemons_body()
    {
        await LoadAsync([FixtureImage.Tagged(App, Now.AddDays(-1)), FixtureImage.Tagged("proxyother:1", Now.AddDays(-2))]);
        using var direct = UnixSocketHttp.Create(Docker.SocketPath);
        var whole = await direct.GetByteArrayAsync("v1.41/images/json", Ct);
        _proxy.Add(new FaultRule(Fault.Truncated) { Path = Rx("^/images/json$") });

        using var response = await _http.GetAsync("v1.41/images/json", Ct);
        var half = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(whole.Length / 2, half.Length);
        Assert.Equal(half.Length, response.Content.Headers.ContentLength);
        Assert.Equal(whole[..half.Length], half);
        Assert.Equal("OK", await _http.GetStringAsync("_ping", Ct));
    }

    [Fact]
    public async Task Body_replaces_the_answer_with_or_without_the_daemon_acting()
    {
        await LoadAsync([FixtureImage.Tagged(App, Now.AddDays(-1))]);
        // The first rule is used up after one request, so the second takes the next one.
        _proxy.Add(new FaultRule(Fault.Body("{}", forward: false)) { Method = "DELETE", Times = 1 });
        _proxy.Add(new FaultRule(Fault.Body("null", forward: true)) { Method = "DELETE" });

        using var notForwarded = await _http.DeleteAsync($"v1.41/images/{App}", Ct);
        Assert.Equal((HttpStatusCode.OK, "{}"), (notForwarded.StatusCode, await notForwarded.Content.ReadAsStringAsync(Ct)));
        Assert.Contains(App, Docker.Tags());

        using var forwarded = await _http.DeleteAsync($"v1.41/images/{App}", Ct);
        Assert.Equal((HttpStatusCode.OK, "null"), (forwarded.StatusCode, await forwarded.Content.ReadAsStringAsync(Ct)));
        Assert.DoesNotContain(App, Docker.Tags());
    }

    [Fact]
    public async Task Delay_waits_then_forwards()
    {
        _proxy.Add(new FaultRule(Fault.Delay(TimeSpan.FromMilliseconds(700))) { Method = "GET", Path = Rx("^/_ping$") });

        var clock = Stopwatch.StartNew();
        Assert.Equal("OK", await _http.GetStringAsync("v1.41/_ping", Ct));

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(650), $"answered after {clock.Elapsed}");
        var call = Assert.Single(_proxy.Calls);
        Assert.Equal((200, FaultKind.Delay), (call.Status, call.Fault?.Kind));
    }

    [Fact]
    public async Task Skip_and_Times_pick_which_matching_requests_fail()
    {
        var rule = new FaultRule(Fault.Status(503, "{}")) { Path = Rx("^/_ping$"), Skip = 1, Times = 2 };
        _proxy.Add(rule);

        var statuses = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await _http.GetAsync(i % 2 == 0 ? "_ping" : "v1.41/_ping?x=1", Ct);
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal([200, 503, 503, 200, 200], statuses);
        Assert.Equal(3, rule.Matched);
        Assert.Equal([null, FaultKind.Status, FaultKind.Status, null, null], _proxy.Calls.Select(c => c.Fault?.Kind));
    }

    [Fact]
    public async Task Clear_removes_the_rules()
    {
        _proxy.Add(new FaultRule(Fault.Status(503, "{}")));
        using (var failed = await _http.GetAsync("_ping", Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        _proxy.Clear();

        Assert.Equal("OK", await _http.GetStringAsync("_ping", Ct));
    }

    [Fact]
    public async Task Dispose_ends_open_streams_and_removes_the_socket()
    {
        using var response = await _http.GetAsync("v1.41/events", HttpCompletionOption.ResponseHeadersRead, Ct);
        var stream = await response.Content.ReadAsStreamAsync(Ct);
        var read = stream.ReadAsync(new byte[1], Ct).AsTask();

        await _proxy.DisposeAsync();

        // A closed connection ends the chunked stream early: an exception, or at least no more bytes.
        var got = -1;
        var ended = await Record.ExceptionAsync(async () => got = await read.WaitAsync(Patience, Ct));
        Assert.True(ended is IOException || got == 0, $"{ended}");
        Assert.False(File.Exists(_proxy.SocketPath));
    }

    private async Task LoadThroughProxyAsync(string tag, bool chunked)
    {
        var archive = Path.Combine(Sandbox.WorkDir, $"{tag.Replace(':', '-')}.tar");
        ImageArchive.Write(archive, [FixtureImage.Tagged(tag, Now.AddDays(-1))]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1.41/images/load?quiet=1")
        {
            Content = new ByteArrayContent(await File.ReadAllBytesAsync(archive, Ct)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        request.Headers.TransferEncodingChunked = chunked;
        using var response = await _http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode && !text.Contains("\"error", StringComparison.Ordinal), text);
    }

    private static Regex Rx(string pattern) => new(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));

    public override void Dispose()
    {
        _http.Dispose();
        _proxy.Dispose();
        base.Dispose();
    }
}
