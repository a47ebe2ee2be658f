using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Tidemark.Docker.Models;

namespace Tidemark.Docker.Api;

/// <summary>
/// A small Docker Engine API client over the unix socket: the dozen endpoints Tidemark needs,
/// at a negotiated API version, with expected failures as <see cref="ApiError"/> values.
/// It never sends force, all or dangling=false, and has no volume endpoint at all.
/// </summary>
public sealed class DockerClient : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Prunes and removals can take minutes on a big store.</summary>
    private static readonly TimeSpan RemovalTimeout = TimeSpan.FromMinutes(15);

    /// <summary>Far above any answer Tidemark reads (a verbose /system/df of a huge store is tens of MB).</summary>
    private const long MaxBody = 512L << 20;

    /// <summary>A pull that sends no progress for this long has stalled (the daemon's own retries report progress).</summary>
    private static readonly TimeSpan PullStall = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly string _prefix;

    private DockerClient(HttpClient http, DockerEndpoint endpoint, ApiVersion version, ApiVersion daemonVersion)
    {
        _http = http;
        Endpoint = endpoint;
        Version = version;
        DaemonVersion = daemonVersion;
        _prefix = $"v{version}/";
    }

    public DockerEndpoint Endpoint { get; }

    /// <summary>The version every request uses: min(daemon, newest Tidemark knows).</summary>
    public ApiVersion Version { get; }

    public ApiVersion DaemonVersion { get; }

    /// <summary>Pings the daemon and negotiates the API version.</summary>
    public static async Task<ApiResult<DockerClient>> ConnectAsync(DockerEndpoint endpoint, CancellationToken ct)
    {
        var http = UnixSocketHttp.Create(endpoint.SocketPath);
        var ping = await SendAsync(http, endpoint, HttpMethod.Get, "_ping", DefaultTimeout, ct).ConfigureAwait(false);
        if (!ping.IsOk)
        {
            http.Dispose();
            return ping.Error!;
        }

        using var response = ping.Value;
        var header = response.Headers.TryGetValues("API-Version", out var values) ? values.FirstOrDefault() : null;
        if (!ApiVersion.TryParse(header, out var daemon))
        {
            http.Dispose();
            return new ApiError(ApiErrorKind.BadResponse,
                $"the daemon at {endpoint.Display} answered GET /_ping without a usable API-Version header ('{header}')");
        }

        if (ApiVersion.Negotiate(daemon) is not { } version)
        {
            http.Dispose();
            return new ApiError(ApiErrorKind.Unsupported,
                $"the daemon at {endpoint.Display} speaks Engine API {daemon}; Tidemark needs {ApiVersion.Oldest} or newer");
        }

        return ApiResult<DockerClient>.Ok(new DockerClient(http, endpoint, version, daemon));
    }

    public Task<ApiResult<SystemInfo>> GetInfoAsync(CancellationToken ct) =>
        GetJsonAsync("info", DockerJsonContext.Default.SystemInfo, ct, EngineShape.Info);

    public Task<ApiResult<List<ContainerSummary>>> ListContainersAsync(CancellationToken ct) =>
        GetJsonAsync("containers/json?all=1", DockerJsonContext.Default.ListContainerSummary, ct, EngineShape.Containers);

    public Task<ApiResult<List<ImageSummary>>> ListImagesAsync(CancellationToken ct) =>
        GetJsonAsync("images/json?all=1", DockerJsonContext.Default.ListImageSummary, ct, EngineShape.Images);

    /// <summary>Per-object sizes (shared image bytes, container writable layers) and build cache records.</summary>
    public Task<ApiResult<DiskUsageResponse>> GetDiskUsageAsync(CancellationToken ct) =>
        GetJsonAsync("system/df?verbose=1", DockerJsonContext.Default.DiskUsageResponse, ct, EngineShape.DiskUsage);

    public Task<ApiResult<List<SwarmService>>> ListServicesAsync(CancellationToken ct) =>
        GetJsonAsync("services?status=1", DockerJsonContext.Default.ListSwarmService, ct, EngineShape.Services);

    /// <summary>A service's tasks, current and kept in history: when one last started running.</summary>
    public Task<ApiResult<List<SwarmTask>>> ListTasksAsync(string serviceId, CancellationToken ct) =>
        GetJsonAsync("tasks?filters=" + Filters(("service", serviceId)), DockerJsonContext.Default.ListSwarmTask, ct, EngineShape.Tasks);

    public Task<ApiResult<ImageInspect>> InspectImageAsync(string id, CancellationToken ct) =>
        GetJsonAsync($"images/{Uri.EscapeDataString(id)}/json", DockerJsonContext.Default.ImageInspect, ct);

    public Task<ApiResult<List<ImageHistoryItem>>> GetImageHistoryAsync(string id, CancellationToken ct) =>
        GetJsonAsync($"images/{Uri.EscapeDataString(id)}/history", DockerJsonContext.Default.ListImageHistoryItem, ct, EngineShape.History);

    /// <summary>`docker container prune --filter until=…`: stopped containers created before the cut-off.</summary>
    public Task<ApiResult<ContainerPruneResponse>> PruneContainersAsync(DateTimeOffset until, CancellationToken ct) =>
        PostJsonAsync("containers/prune?filters=" + Filters(("until", Unix(until))),
            DockerJsonContext.Default.ContainerPruneResponse, ct);

    /// <summary>`docker image prune --filter until=…`: dangling images only (dangling=true is always sent).</summary>
    public Task<ApiResult<ImagePruneResponse>> PruneDanglingImagesAsync(DateTimeOffset until, CancellationToken ct) =>
        PostJsonAsync("images/prune?filters=" + Filters(("dangling", "true"), ("until", Unix(until))),
            DockerJsonContext.Default.ImagePruneResponse, ct);

    /// <summary>`docker builder prune --filter until=…` (never --all): build cache unused for that long.</summary>
    public Task<ApiResult<BuildPruneResponse>> PruneBuildCacheAsync(TimeSpan unusedFor, CancellationToken ct) =>
        PostJsonAsync("build/prune?filters=" + Filters(("until", GoDuration(unusedFor))),
            DockerJsonContext.Default.BuildPruneResponse, ct);

    /// <summary>DELETE /images/{id} without force: the daemon refuses (409) if anything uses it.</summary>
    public Task<ApiResult<List<ImageDeleteItem>>> RemoveImageAsync(string id, CancellationToken ct) =>
        SendJsonAsync(HttpMethod.Delete, $"images/{Uri.EscapeDataString(id)}?force=0&noprune=0",
            DockerJsonContext.Default.ListImageDeleteItem, RemovalTimeout, ct);

    /// <summary>
    /// GET /events for containers and images. With <paramref name="until"/> the daemon replays its
    /// buffer and closes the stream; without it the stream stays open until cancelled or the
    /// daemon goes away. A broken stream ends the enumeration with an error result.
    /// </summary>
    public async IAsyncEnumerable<ApiResult<EngineEvent>> StreamEventsAsync(
        DateTimeOffset? since, DateTimeOffset? until, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var query = "events?filters=" + Filters(("type", "container"), ("type", "image"));
        if (since is { } s)
        {
            query += "&since=" + UnixNano(s);
        }

        if (until is { } u)
        {
            query += "&until=" + UnixNano(u);
        }

        // A replay (until set) ends when the daemon has sent its buffer: it gets a deadline as a
        // whole; a live stream may last forever, and its end is a lost daemon.
        var shape = until is null
            ? new StreamLimits(Whole: null, Idle: null, EndIsLoss: true)
            : new StreamLimits(Whole: DefaultTimeout, Idle: null, EndIsLoss: false);
        await foreach (var item in StreamJsonLinesAsync(HttpMethod.Get, query, null, DockerJsonContext.Default.EngineEvent, "the event stream", EngineShape.Event, shape, ct).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    /// <summary>
    /// POST /images/create: pulls <paramref name="reference"/> (with its tag or digest: a bare
    /// name would pull every tag) and yields the daemon's progress messages. A failed pull ends
    /// with a message whose Error is set, or with an error result when the daemon refuses at once.
    /// </summary>
    /// <param name="registryAuth">The X-Registry-Auth header value, or null for an anonymous pull.</param>
    public IAsyncEnumerable<ApiResult<PullMessage>> PullAsync(string reference, string? registryAuth, CancellationToken ct)
    {
        var headers = registryAuth is null ? null : new Dictionary<string, string> { ["X-Registry-Auth"] = registryAuth };
        return StreamJsonLinesAsync(HttpMethod.Post, "images/create?fromImage=" + Uri.EscapeDataString(reference), headers,
            DockerJsonContext.Default.PullMessage, "the pull of " + reference, null,
            new StreamLimits(Whole: null, Idle: PullStall, EndIsLoss: false), ct);
    }

    /// <summary>GET /images/{name}/json: the image, or a NotFound error when the daemon has none by that name.</summary>
    public Task<ApiResult<ImageInspect>> FindImageAsync(string reference, CancellationToken ct) =>
        GetJsonAsync($"images/{Uri.EscapeDataString(reference)}/json", DockerJsonContext.Default.ImageInspect, ct);

    /// <param name="registryAuth">X-Registry-Auth, so the service's tasks pull with the same credentials (`--with-registry-auth`).</param>
    public Task<ApiResult<CreatedObject>> CreateServiceAsync(ProbeServiceSpec spec, string? registryAuth, CancellationToken ct) =>
        SendJsonAsync(HttpMethod.Post, "services/create", DockerJsonContext.Default.CreatedObject, DefaultTimeout, ct,
            content: JsonContent.Create(spec, DockerJsonContext.Default.ProbeServiceSpec), registryAuth: registryAuth);

    public Task<ApiResult<bool>> RemoveServiceAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, $"services/{Uri.EscapeDataString(id)}", ct);

    /// <summary>POST /containers/create: a container that is never started (it uses the image all the same).</summary>
    public Task<ApiResult<CreatedObject>> CreateContainerAsync(string name, ProbeContainerConfig config, CancellationToken ct) =>
        SendJsonAsync(HttpMethod.Post, $"containers/create?name={Uri.EscapeDataString(name)}", DockerJsonContext.Default.CreatedObject, DefaultTimeout, ct,
            content: JsonContent.Create(config, DockerJsonContext.Default.ProbeContainerConfig));

    /// <summary>DELETE /containers/{id}: only ever one Tidemark created and never started; no force.</summary>
    public Task<ApiResult<bool>> RemoveContainerAsync(string id, CancellationToken ct) =>
        SendAsync(HttpMethod.Delete, $"containers/{Uri.EscapeDataString(id)}", ct);

    /// <summary>Containers carrying a label (key=value): the tasks of one service, the probe's leftovers.</summary>
    public Task<ApiResult<List<ContainerSummary>>> ListContainersWithLabelAsync(string label, CancellationToken ct) =>
        GetJsonAsync("containers/json?all=1&filters=" + Filters(("label", label)), DockerJsonContext.Default.ListContainerSummary, ct, EngineShape.Containers);

    public void Dispose() => _http.Dispose();

    /// <summary>How long a stream may last and what its end means.</summary>
    /// <param name="Whole">A deadline for the whole stream (a replay), or none.</param>
    /// <param name="Idle">The longest silence between two lines, or none.</param>
    /// <param name="EndIsLoss">The stream should never end: its end is a lost daemon.</param>
    private sealed record StreamLimits(TimeSpan? Whole, TimeSpan? Idle, bool EndIsLoss);

    private async IAsyncEnumerable<ApiResult<T>> StreamJsonLinesAsync<T>(
        HttpMethod method, string path, IReadOnlyDictionary<string, string>? headers, JsonTypeInfo<T> type, string what,
        Func<T, string?>? shape, StreamLimits limits, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var request = $"{method} /{path}";
        HttpResponseMessage response;
        using (var opening = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            opening.CancelAfter(DefaultTimeout);
            var opened = await OpenStreamAsync(method, _prefix + path, headers, what, opening.Token, ct).ConfigureAwait(false);
            if (!opened.IsOk)
            {
                yield return opened.Error!;
                yield break;
            }

            response = opened.Value;
        }

        using var whole = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (limits.Whole is { } deadline)
        {
            whole.CancelAfter(deadline);
        }

        using (response)
        {
            var reader = new BoundedLineReader(await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
            while (true)
            {
                string? line;
                ApiError? broken = null;
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(whole.Token);
                if (limits.Idle is { } silence)
                {
                    idle.CancelAfter(silence);
                }

                try
                {
                    line = await reader.ReadLineAsync(idle.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    line = null;
                    broken = whole.IsCancellationRequested
                        ? new ApiError(ApiErrorKind.Timeout, $"the daemon at {Endpoint.Display} did not finish {what} within {limits.Whole!.Value.TotalSeconds:0}s")
                        : new ApiError(ApiErrorKind.Timeout, $"the daemon at {Endpoint.Display} sent nothing on {what} for {limits.Idle!.Value.TotalSeconds:0}s");
                }
                catch (InvalidDataException e)
                {
                    line = null;
                    broken = new ApiError(ApiErrorKind.BadResponse, $"{request}: unreadable answer from the daemon: {e.Message}");
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    line = null;
                    broken = new ApiError(ApiErrorKind.Unreachable, $"lost {what} from {Endpoint.Display}: {e.Message}");
                }

                if (broken is not null)
                {
                    yield return broken;
                    yield break;
                }

                if (line is null)
                {
                    if (limits.EndIsLoss)
                    {
                        yield return new ApiError(ApiErrorKind.Unreachable, $"the daemon at {Endpoint.Display} closed {what}");
                    }

                    yield break;
                }

                if (line.Length > 0)
                {
                    yield return EngineJson.Parse(System.Text.Encoding.UTF8.GetBytes(line), type, request, shape);
                }
            }
        }
    }

    private async Task<ApiResult<HttpResponseMessage>> OpenStreamAsync(
        HttpMethod method, string path, IReadOnlyDictionary<string, string>? headers, string what, CancellationToken headersDeadline, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(method, path);
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headersDeadline).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return ApiResult<HttpResponseMessage>.Ok(response);
            }

            using (response)
            {
                var text = EngineJson.ErrorMessage(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
                var kind = response.StatusCode == HttpStatusCode.NotFound ? ApiErrorKind.NotFound : ApiErrorKind.DaemonError;
                return new ApiError(kind, $"{method} /{path}: {(int)response.StatusCode} {text}", (int)response.StatusCode, text);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ApiError(ApiErrorKind.Timeout, $"the daemon at {Endpoint.Display} did not open {what} in time");
        }
        catch (HttpRequestException e)
        {
            return Transport(Endpoint, $"{method} /{path}", e);
        }
        catch (IOException e)
        {
            return new ApiError(ApiErrorKind.Unreachable, $"lost the Docker daemon at {Endpoint.Display} opening {what}: {e.Message}");
        }
    }

    private static string UnixNano(DateTimeOffset t)
    {
        var ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var seconds = ticks / TimeSpan.TicksPerSecond;
        var nanos = ticks % TimeSpan.TicksPerSecond * 100;
        return string.Create(CultureInfo.InvariantCulture, $"{seconds}.{nanos:D9}");
    }

    private Task<ApiResult<T>> GetJsonAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct, Func<T, string?>? shape = null) =>
        SendJsonAsync(HttpMethod.Get, path, type, DefaultTimeout, ct, shape);

    private Task<ApiResult<T>> PostJsonAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct) =>
        SendJsonAsync(HttpMethod.Post, path, type, RemovalTimeout, ct);

    private async Task<ApiResult<T>> SendJsonAsync<T>(
        HttpMethod method, string path, JsonTypeInfo<T> type, TimeSpan timeout, CancellationToken ct, Func<T, string?>? shape = null, HttpContent? content = null, string? registryAuth = null)
    {
        var sent = await SendAsync(_http, Endpoint, method, _prefix + path, timeout, ct, content, registryAuth).ConfigureAwait(false);
        if (!sent.IsOk)
        {
            return sent.Error!;
        }

        using var response = sent.Value;
        var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        return EngineJson.Parse(body, type, $"{method} /{path}", shape);
    }

    /// <summary>A request whose answer carries nothing Tidemark reads: true, or why it failed.</summary>
    private async Task<ApiResult<bool>> SendAsync(HttpMethod method, string path, CancellationToken ct)
    {
        var sent = await SendAsync(_http, Endpoint, method, _prefix + path, DefaultTimeout, ct).ConfigureAwait(false);
        if (!sent.IsOk)
        {
            return sent.Error!;
        }

        sent.Value.Dispose();
        return ApiResult<bool>.Ok(true);
    }

    private static async Task<ApiResult<HttpResponseMessage>> SendAsync(
        HttpClient http, DockerEndpoint endpoint, HttpMethod method, string path, TimeSpan timeout, CancellationToken ct, HttpContent? body = null, string? registryAuth = null)
    {
        var what = $"{method} /{path}";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        HttpResponseMessage? response = null;
        try
        {
            using var request = new HttpRequestMessage(method, path) { Content = body };
            if (registryAuth is not null)
            {
                request.Headers.TryAddWithoutValidation("X-Registry-Auth", registryAuth);
            }

            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            // The whole body, bounded, under the same deadline (error bodies too): a stalled or
            // endless answer cannot hang Tidemark or fill its memory.
            await response.Content.LoadIntoBufferAsync(MaxBody, deadline.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                var ok = response;
                response = null;
                return ApiResult<HttpResponseMessage>.Ok(ok);
            }

            var message = EngineJson.ErrorMessage(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            var kind = response.StatusCode switch
            {
                HttpStatusCode.NotFound => ApiErrorKind.NotFound,
                HttpStatusCode.Conflict => ApiErrorKind.Conflict,
                _ => ApiErrorKind.DaemonError,
            };
            return new ApiError(kind, $"{what}: {(int)response.StatusCode} {message}", (int)response.StatusCode, message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ApiError(ApiErrorKind.Timeout,
                $"the daemon at {endpoint.Display} did not answer {what} within {timeout.TotalSeconds:0}s");
        }
        catch (HttpRequestException e)
        {
            return Transport(endpoint, what, e);
        }
        catch (IOException e)
        {
            return new ApiError(ApiErrorKind.Unreachable, $"lost the Docker daemon at {endpoint.Display} during {what}: {e.Message}");
        }
        finally
        {
            response?.Dispose();
        }
    }

    /// <summary>A broken exchange: the socket refused or closed, or an answer that is not HTTP.</summary>
    private static ApiError Transport(DockerEndpoint endpoint, string what, HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.InvalidResponse or HttpRequestError.ConfigurationLimitExceeded =>
            new ApiError(ApiErrorKind.BadResponse, $"{what}: the daemon at {endpoint.Display} sent an answer that is not usable HTTP: {e.Message}"),
        HttpRequestError.ResponseEnded =>
            new ApiError(ApiErrorKind.Unreachable, $"{what}: the daemon at {endpoint.Display} closed the connection before answering in full"),
        _ => Unreachable(endpoint, what, e),
    };

    private static ApiError Unreachable(DockerEndpoint endpoint, string what, HttpRequestException e)
    {
        var why = e.InnerException is SocketException se ? Describe(se) : e.InnerException?.Message ?? e.Message;
        return new ApiError(ApiErrorKind.Unreachable, $"cannot reach the Docker daemon at {endpoint.Display} ({what}): {why}");
    }

    private static string Describe(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported => "no socket there (is dockerd running?)",
        SocketError.ConnectionRefused => "connection refused (is dockerd running?)",
        SocketError.AccessDenied => "permission denied (run as root or a member of the docker group)",
        _ => e.Message,
    };

    private static string Filters(params (string Key, string Value)[] filters)
    {
        var map = filters.GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.Select(f => f.Value).ToList());
        return Uri.EscapeDataString(JsonSerializer.Serialize(map, DockerJsonContext.Default.DictionaryStringListString));
    }

    private static string Unix(DateTimeOffset t) => t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private static string GoDuration(TimeSpan d) =>
        ((long)Math.Max(0, d.TotalSeconds)).ToString(CultureInfo.InvariantCulture) + "s";
}
