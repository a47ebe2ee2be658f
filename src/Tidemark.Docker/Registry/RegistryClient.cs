using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tidemark.Core.Text;

namespace Tidemark.Docker.Registry;

public sealed record RegistryClientOptions
{
    /// <summary>The daemon's insecure registries (host[:port] or CIDR): spoken to over plain http.</summary>
    public IReadOnlyCollection<string> InsecureRegistries { get; init; } = [];

    /// <summary>
    /// Where to send requests for a registry named in references, when that is another host:
    /// reference registry → host[:port] (a registry whose API is served from another host than its name).
    /// </summary>
    public IReadOnlyDictionary<string, string> Endpoints { get; init; } = new Dictionary<string, string>();

    /// <summary>Per request, from sending to the last byte read.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public string UserAgent { get; init; } = "tidemark";
}

/// <summary>What GET /v2/ answered: whether the registry is there and wants credentials.</summary>
/// <param name="Endpoint">The URL asked ("http://127.0.0.1:5000/v2/").</param>
/// <param name="AuthenticationRequired">It answered 401 to an anonymous request.</param>
/// <param name="Scheme">The challenge's scheme (Bearer, Basic) when it did.</param>
/// <param name="Username">The user it accepted, when credentials were given and needed.</param>
public sealed record RegistryPing(string Registry, Uri Endpoint, bool AuthenticationRequired, string? Scheme, string? Username);

/// <summary>
/// A small client of the registry HTTP API (distribution v2 / OCI distribution): ping, HEAD and
/// GET of manifests, with the registry's auth challenge (Bearer token or Basic). Bodies are
/// bounded, every request has a timeout, and every expected failure is a
/// <see cref="RegistryError"/> naming the registry — never an exception. Secrets and tokens are
/// sent only as Authorization headers (Basic to the registry, or to the token service its
/// Bearer challenge names when that is https, loopback or insecure) and never appear in a result.
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    /// <summary>The OCI distribution spec's recommended limit a registry must accept.</summary>
    public const int MaxManifestBytes = 4 << 20;

    private const int MaxTokenBytes = 1 << 20;
    private const int MaxErrorBytes = 64 << 10;

    private readonly HttpClient _http;
    private readonly RegistryClientOptions _options;

    /// <summary>Authorization values that worked, by registry, scope and login; a 401 on one redoes the challenge.</summary>
    private readonly ConcurrentDictionary<string, string> _authorizations = new(StringComparer.Ordinal);

    public RegistryClient(RegistryClientOptions? options = null, HttpMessageHandler? handler = null)
    {
        _options = options ?? new RegistryClientOptions();
        handler ??= new SocketsHttpHandler
        {
            ConnectTimeout = _options.ConnectTimeout,
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = 5,
            UseCookies = false,
            // AutomaticDecompression is left unset (it defaults to none): setting it at all keeps
            // the decompression handler, and with it a copy of zlib, in the native binary.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.TryParseAdd(_options.UserAgent);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>"http://127.0.0.1:5000/" or "https://registry.example/": the scheme by <see cref="RegistryScheme"/>, the host by <see cref="RegistryClientOptions.Endpoints"/>.</summary>
    public Uri BaseUri(string registry)
    {
        var host = _options.Endpoints.TryGetValue(registry, out var endpoint) ? endpoint : registry;
        var scheme = RegistryScheme.IsLoopback(host) || RegistryScheme.IsInsecure(registry, _options.InsecureRegistries)
            || RegistryScheme.IsInsecure(host, _options.InsecureRegistries) ? "http" : "https";
        return new Uri($"{scheme}://{host}/");
    }

    /// <summary>GET /v2/: is the registry there, does it want credentials, and does it accept <paramref name="login"/>?</summary>
    public async Task<RegistryResult<RegistryPing>> PingAsync(string registry, RegistryLogin? login, CancellationToken ct)
    {
        var uri = new Uri(BaseUri(registry), "v2/");
        if (login is null)
        {
            var plain = await SendOnceAsync(registry, HttpMethod.Get, uri, [], null, readBody: false, ct).ConfigureAwait(false);
            if (!plain.IsOk)
            {
                return plain.Error!;
            }

            using var answer = plain.Value;
            if (answer.Status == HttpStatusCode.Unauthorized)
            {
                var challenge = AuthChallenge.Parse(Challenges(answer.Response)).FirstOrDefault();
                return RegistryResult<RegistryPing>.Ok(new RegistryPing(registry, uri, true, challenge?.Scheme, null));
            }

            return answer.Status == HttpStatusCode.OK
                ? RegistryResult<RegistryPing>.Ok(new RegistryPing(registry, uri, false, null, null))
                : Unexpected(registry, "GET /v2/", answer);
        }

        var sent = await SendAsync(registry, HttpMethod.Get, uri, [], scope: null, login, readBody: false, ct).ConfigureAwait(false);
        if (!sent.IsOk)
        {
            return sent.Error!;
        }

        using (var answer = sent.Value)
        {
            return answer.Status == HttpStatusCode.OK
                ? RegistryResult<RegistryPing>.Ok(new RegistryPing(registry, uri, answer.Challenged, answer.Scheme, answer.Username))
                : Unexpected(registry, "GET /v2/", answer);
        }
    }

    /// <summary>
    /// HEAD /v2/&lt;repo&gt;/manifests/&lt;tag|digest&gt;: the digest and the registry's rate-limit
    /// headers. A HEAD is not counted as a pull by registries that limit pulls (only a manifest GET is).
    /// </summary>
    public async Task<RegistryResult<ManifestHead>> HeadManifestAsync(ImageName image, RegistryLogin? login, CancellationToken ct)
    {
        var uri = ManifestUri(image, image.ManifestReference);
        var sent = await SendAsync(image.Registry, HttpMethod.Head, uri, MediaTypes.AnyManifest, PullScope(image), login, readBody: false, ct).ConfigureAwait(false);
        if (!sent.IsOk)
        {
            return sent.Error!;
        }

        using var answer = sent.Value;
        var what = $"HEAD /v2/{image.Repository}/manifests/{image.ManifestReference}";
        if (answer.Status != HttpStatusCode.OK)
        {
            return StatusError(image, what, answer, login);
        }

        var limit = ReadRateLimit(answer.Response, out var problem);
        var digest = Header(answer.Response, "Docker-Content-Digest");
        return RegistryResult<ManifestHead>.Ok(new ManifestHead(
            image,
            (int)answer.Status,
            digest is not null && ManifestDocument.IsDigest(digest) ? digest : null,
            answer.Response.Content.Headers.ContentType?.MediaType,
            answer.Response.Content.Headers.ContentLength,
            limit,
            problem,
            answer.Username));
    }

    /// <summary>
    /// GET the manifest of <paramref name="image"/> for <paramref name="platform"/>: an index or
    /// manifest list is followed to the entry for that platform. Every body's sha256 is checked
    /// against the digest asked for and the registry's Docker-Content-Digest.
    /// This is a pull as far as a rate-limited registry counts.
    /// </summary>
    public async Task<RegistryResult<ImageManifest>> GetManifestAsync(ImageName image, Platform platform, RegistryLogin? login, CancellationToken ct)
    {
        var first = await GetDocumentAsync(image, image.ManifestReference, MediaTypes.AnyManifest, login, ct).ConfigureAwait(false);
        if (!first.IsOk)
        {
            return first.Error!;
        }

        var (document, digest, limit) = first.Value;
        if (!document.IsIndex)
        {
            return RegistryResult<ImageManifest>.Ok(new ImageManifest(image, digest, document.MediaType, null, null, document.Config!, document.Layers!, limit));
        }

        if (ManifestDocument.Select(document.Entries!, platform) is not { } entry)
        {
            var has = string.Join(", ", document.Entries!.Select(e => e.PlatformText).Distinct());
            return new RegistryError(RegistryErrorKind.NoMatchingPlatform, image.Registry,
                $"registry {image.Registry}: {image.PathAndReference} has no manifest for {platform} (it has {Printable.Escape(has)})");
        }

        var second = await GetDocumentAsync(image, entry.Digest, MediaTypes.ImageManifests, login, ct).ConfigureAwait(false);
        if (!second.IsOk)
        {
            return second.Error!;
        }

        var (manifest, manifestDigest, limit2) = second.Value;
        if (manifest.IsIndex)
        {
            return new RegistryError(RegistryErrorKind.Malformed, image.Registry,
                $"registry {image.Registry}: the index entry {entry.Digest} for {platform} of {image.PathAndReference} is itself an index");
        }

        return RegistryResult<ImageManifest>.Ok(new ImageManifest(
            image, manifestDigest, manifest.MediaType, digest, platform, manifest.Config!, manifest.Layers!, limit2 ?? limit));
    }

    private async Task<RegistryResult<(ManifestDocument Document, string Digest, RateLimit? Limit)>> GetDocumentAsync(
        ImageName image, string reference, string[] accept, RegistryLogin? login, CancellationToken ct)
    {
        var what = $"GET /v2/{image.Repository}/manifests/{reference}";
        var got = await GetBoundedAsync(image, ManifestUri(image, reference), accept, login, MaxManifestBytes, what, "manifest", ct).ConfigureAwait(false);
        if (!got.IsOk)
        {
            return got.Error!;
        }

        using var answer = got.Value;

        var computed = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(answer.Body!));
        var header = Header(answer.Response, "Docker-Content-Digest");
        if (reference.StartsWith("sha256:", StringComparison.Ordinal) && reference != computed)
        {
            return Malformed(image, $"{what}: the body's digest is {computed}, not the one asked for");
        }

        if (header is not null && header.StartsWith("sha256:", StringComparison.Ordinal) && header != computed)
        {
            return Malformed(image, $"{what}: the body's digest {computed} differs from Docker-Content-Digest {Printable.Escape(Cut(header, 80))}");
        }

        var digest = reference.StartsWith("sha", StringComparison.Ordinal) && reference.Contains(':', StringComparison.Ordinal) ? reference
            : header is not null && ManifestDocument.IsDigest(header) ? header
            : computed;
        var document = ManifestDocument.Parse(answer.Body!, answer.Response.Content.Headers.ContentType?.MediaType, out var problem);
        if (document is null)
        {
            return Malformed(image, $"{what}: {problem}");
        }

        var limit = ReadRateLimit(answer.Response, out _);
        return RegistryResult<(ManifestDocument, string, RateLimit?)>.Ok((document, digest, limit));
    }

    private static RegistryError Malformed(ImageName image, string message) =>
        new(RegistryErrorKind.Malformed, image.Registry, $"registry {image.Registry}: {message}");

    private static RateLimit? ReadRateLimit(HttpResponseMessage response, out string? problem) =>
        RateLimit.Parse(Header(response, RateLimit.LimitHeader), Header(response, RateLimit.RemainingHeader), Header(response, RateLimit.SourceHeader), out problem);

    private Uri ManifestUri(ImageName image, string reference) =>
        new(BaseUri(image.Registry), $"v2/{image.Repository}/manifests/{reference}");

    private static string PullScope(ImageName image) => $"repository:{image.Repository}:pull";

    /// <summary>A non-200 answer after authentication: not found, too many requests, refused, or unexpected.</summary>
    private static RegistryError StatusError(ImageName image, string what, Answer answer, RegistryLogin? login)
    {
        var registry = image.Registry;
        var (code, detail) = RegistryErrorBody(answer.Body, login, answer.Token);
        var said = code is null ? "" : $" ({code}{(detail is null ? "" : ": " + detail)})";
        return answer.Status switch
        {
            HttpStatusCode.NotFound => new RegistryError(RegistryErrorKind.NotFound, registry,
                $"registry {registry}: {image.PathAndReference} not found{said}", 404),
            HttpStatusCode.TooManyRequests => new RegistryError(RegistryErrorKind.TooManyRequests, registry,
                $"registry {registry}: too many requests (429) for {image.PathAndReference}: its pull limit is used up{said}", 429),
            HttpStatusCode.Forbidden => new RegistryError(RegistryErrorKind.AuthenticationRefused, registry,
                $"registry {registry}: access to {image.Repository} forbidden (403){(login is null ? " to anonymous requests" : $" for user {Printable.Escape(login.Username)}")}{said}", 403),
            _ => new RegistryError(RegistryErrorKind.UnexpectedStatus, registry,
                $"registry {registry}: unexpected status {(int)answer.Status} for {what}{said}", (int)answer.Status),
        };
    }

    private static RegistryError Unexpected(string registry, string what, Answer answer) =>
        new(RegistryErrorKind.UnexpectedStatus, registry, $"registry {registry}: unexpected status {(int)answer.Status} for {what}", (int)answer.Status);

    /// <summary>The first error of a registry's {"errors":[{"code","message"}]} body, escaped, cut, and scrubbed of any secret.</summary>
    internal static (string? Code, string? Message) RegistryErrorBody(byte[]? body, RegistryLogin? login, string? token)
    {
        if (body is null || body.Length == 0)
        {
            return (null, null);
        }

        try
        {
            using var json = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in errors.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }

                    var code = e.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                    var message = e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                    return (code is null ? null : Scrub(Cut(code, 60), login, token), message is null ? null : Scrub(Cut(message, 200), login, token));
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or strings that are no text (invalid UTF-8, a lone surrogate): no message to show.
        }

        return (null, null);
    }

    /// <summary>Escapes a text from outside and removes the secret and token should it hold them.</summary>
    private static string Scrub(string text, RegistryLogin? login, string? token)
    {
        if (login is { Secret.Length: > 0 })
        {
            text = text.Replace(login.Secret, "(redacted)", StringComparison.Ordinal);
        }

        if (!string.IsNullOrEmpty(token))
        {
            text = text.Replace(token, "(redacted)", StringComparison.Ordinal);
        }

        return Printable.Escape(text);
    }

    private static string Cut(string s, int max) => s.Length > max ? s[..max] + "…" : s;

    private static string? Header(HttpResponseMessage response, string name)
    {
        if (response.Headers.NonValidated.TryGetValues(name, out var values)
            || response.Content.Headers.NonValidated.TryGetValues(name, out values))
        {
            foreach (var v in values)
            {
                return v;
            }
        }

        return null;
    }

    private static IEnumerable<string> Challenges(HttpResponseMessage response) =>
        response.Headers.NonValidated.TryGetValues("WWW-Authenticate", out var values) ? values : [];

    /// <summary>
    /// Sends a request, answering the registry's challenge on a 401: a Bearer challenge gets a
    /// token from its realm (with Basic credentials when given, anonymous otherwise), a Basic one
    /// the credentials; then the request is sent again. A 401 after that — or a 401 when there is
    /// nothing to send — is <see cref="RegistryErrorKind.AuthenticationRefused"/>.
    /// </summary>
    private async Task<RegistryResult<Answer>> SendAsync(
        string registry, HttpMethod method, Uri uri, string[] accept, string? scope, RegistryLogin? login, bool readBody, CancellationToken ct,
        int maxBody = MaxErrorBytes)
    {
        var what = $"{method} {uri.AbsolutePath}";
        // The key tells logins apart by a hash of user and secret: another secret for the same user
        // must not ride on what the first one earned.
        var who = login is null ? "" : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(login.Username + "\0" + login.Secret)));
        var key = $"{registry}\n{scope}\n{who}";
        var cached = _authorizations.TryGetValue(key, out var remembered) ? remembered : null;

        var first = await SendOnceAsync(registry, method, uri, accept, cached, readBody, ct, maxBody).ConfigureAwait(false);
        if (!first.IsOk || first.Value.Status != HttpStatusCode.Unauthorized)
        {
            if (first.IsOk && cached is not null)
            {
                first.Value.Username = login?.Username;
                first.Value.Challenged = true;
                first.Value.Scheme = cached.StartsWith("Bearer ", StringComparison.Ordinal) ? "Bearer" : "Basic";
            }

            return first;
        }

        IReadOnlyList<AuthChallenge> challenges;
        using (var unauthorized = first.Value)
        {
            challenges = AuthChallenge.Parse(Challenges(unauthorized.Response));
        }

        _authorizations.TryRemove(key, out _);
        var bearer = challenges.FirstOrDefault(c => c.IsBearer);
        var basic = challenges.FirstOrDefault(c => c.IsBasic);
        string authorization;
        string scheme;
        string? token = null;
        if (bearer is not null)
        {
            var fetched = await FetchTokenAsync(registry, bearer, scope, login, ct).ConfigureAwait(false);
            if (!fetched.IsOk)
            {
                return fetched.Error!;
            }

            token = fetched.Value;
            authorization = "Bearer " + token;
            scheme = "Bearer";
        }
        else if (basic is not null)
        {
            if (login is null)
            {
                return new RegistryError(RegistryErrorKind.AuthenticationRefused, registry,
                    $"registry {registry}: authentication required (401 on {what}, Basic realm \"{Printable.Escape(Cut(basic.Realm ?? "", 80))}\") and no credentials were given", 401);
            }

            authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(login.Username + ":" + login.Secret));
            scheme = "Basic";
        }
        else
        {
            return new RegistryError(RegistryErrorKind.AuthenticationRefused, registry,
                $"registry {registry}: 401 on {what} with no Bearer or Basic challenge to answer", 401);
        }

        var second = await SendOnceAsync(registry, method, uri, accept, authorization, readBody, ct, maxBody).ConfigureAwait(false);
        if (!second.IsOk)
        {
            return second.Error!;
        }

        var answer = second.Value;
        answer.Token = token;
        if (answer.Status == HttpStatusCode.Unauthorized)
        {
            var why = AuthChallenge.Parse(Challenges(answer.Response)).FirstOrDefault(c => c.Error is not null)?.Error;
            var (code, _) = RegistryErrorBody(answer.Body, login, token);
            answer.Dispose();
            var hint = why == "insufficient_scope" || code == "DENIED"
                ? $": the token does not grant {Printable.Escape(scope ?? "access")} (the repository may not exist, or this account may not pull it)"
                : "";
            return new RegistryError(RegistryErrorKind.AuthenticationRefused, registry, login is null
                ? $"registry {registry}: authentication required (401 on {what}): anonymous access refused and no credentials were given{hint}"
                : $"registry {registry}: authentication refused for user {Printable.Escape(login.Username)} (401 on {what}){hint}", 401);
        }

        _authorizations[key] = authorization;
        answer.Username = login?.Username;
        answer.Challenged = true;
        answer.Scheme = scheme;
        return RegistryResult<Answer>.Ok(answer);
    }

    /// <summary>GET realm?service=…&amp;scope=… (Basic credentials when given): the token in {"token"} or {"access_token"}.</summary>
    private async Task<RegistryResult<string>> FetchTokenAsync(string registry, AuthChallenge bearer, string? scope, RegistryLogin? login, CancellationToken ct)
    {
        if (!Uri.TryCreate(bearer.Realm, UriKind.Absolute, out var realm) || (realm.Scheme != Uri.UriSchemeHttps && realm.Scheme != Uri.UriSchemeHttp)
            || !string.IsNullOrEmpty(realm.UserInfo))
        {
            return new RegistryError(RegistryErrorKind.Malformed, registry,
                $"registry {registry}: its Bearer challenge names no usable token service (realm \"{Printable.Escape(Cut(bearer.Realm ?? "", 100))}\")");
        }

        var service = $"token service {realm.Scheme}://{realm.Authority}{realm.AbsolutePath}";
        if (login is not null && realm.Scheme == Uri.UriSchemeHttp
            && !RegistryScheme.IsLoopback(realm.Authority) && !RegistryScheme.IsInsecure(realm.Authority, _options.InsecureRegistries))
        {
            return new RegistryError(RegistryErrorKind.InsecureTokenService, registry,
                $"registry {registry}: its {Printable.Escape(service)} is plain http on a host that is neither loopback nor an insecure registry: credentials are not sent there");
        }

        var query = new StringBuilder(realm.Query.Length > 0 ? realm.Query[1..] : "");
        void Add(string name, string value)
        {
            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        if (bearer.Service is { } s)
        {
            Add("service", s);
        }

        // The challenge's scope when it names one (the registry knows best), else the request's.
        foreach (var one in (bearer.Scope ?? scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            Add("scope", one);
        }

        var uri = new UriBuilder(realm) { Query = query.ToString() }.Uri;
        var authorization = login is null ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(login.Username + ":" + login.Secret));
        var sent = await SendOnceAsync(registry, HttpMethod.Get, uri, ["application/json"], authorization, readBody: true, ct, MaxTokenBytes, Printable.Escape(service)).ConfigureAwait(false);
        if (!sent.IsOk)
        {
            return sent.Error!;
        }

        using var answer = sent.Value;
        if (answer.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return new RegistryError(RegistryErrorKind.AuthenticationRefused, registry, login is null
                ? $"registry {registry}: its {Printable.Escape(service)} refused an anonymous token ({(int)answer.Status}); credentials are needed"
                : $"registry {registry}: its {Printable.Escape(service)} refused the credentials of user {Printable.Escape(login.Username)} ({(int)answer.Status})", (int)answer.Status);
        }

        if (answer.Status != HttpStatusCode.OK)
        {
            return new RegistryError(RegistryErrorKind.UnexpectedStatus, registry,
                $"registry {registry}: its {Printable.Escape(service)} answered {(int)answer.Status}", (int)answer.Status);
        }

        if (answer.Body is null)
        {
            return new RegistryError(RegistryErrorKind.Malformed, registry, $"registry {registry}: its {Printable.Escape(service)} answered more than {MaxTokenBytes} bytes");
        }

        string? token = null;
        try
        {
            using var json = JsonDocument.Parse(answer.Body, new JsonDocumentOptions { MaxDepth = 16 });
            if (json.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var name in new[] { "token", "access_token" })
                {
                    if (json.RootElement.TryGetProperty(name, out var t) && t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 } value)
                    {
                        token = value;
                        break;
                    }
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON, or a token that is no text: no usable token, said below.
        }

        // A token goes into a header: printable ASCII only. Never quoted in a message.
        if (token is null || token.Length > 16384 || token.Any(c => c is < '!' or > '~'))
        {
            return new RegistryError(RegistryErrorKind.Malformed, registry,
                $"registry {registry}: its {Printable.Escape(service)} answered no usable token");
        }

        return RegistryResult<string>.Ok(token);
    }

    /// <summary>One request and its answer, or why there is none (unreachable, TLS, timeout).</summary>
    private async Task<RegistryResult<Answer>> SendOnceAsync(
        string registry, HttpMethod method, Uri uri, string[] accept, string? authorization, bool readBody, CancellationToken ct,
        int maxBody = MaxErrorBytes, string? peer = null)
    {
        peer ??= uri.GetLeftPart(UriPartial.Authority);
        using var request = new HttpRequestMessage(method, uri);
        foreach (var a in accept)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(a));
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeout);
        HttpResponseMessage? response = null;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            // Error answers are read (bounded) too, for their error code; a 2xx only when asked.
            byte[]? body = null;
            var wanted = method != HttpMethod.Head && (readBody || (int)response.StatusCode >= 400);
            if (wanted)
            {
                body = await ReadBoundedAsync(response.Content, (int)response.StatusCode >= 400 && !readBody ? MaxErrorBytes : maxBody, timeout.Token).ConfigureAwait(false);
            }

            var answer = new Answer(response, body);
            response = null;
            return RegistryResult<Answer>.Ok(answer);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new RegistryError(RegistryErrorKind.Unreachable, registry,
                $"registry {registry}: {peer} did not answer {method} {uri.AbsolutePath} within {_options.RequestTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e)
        {
            return Failure(registry, peer, e);
        }
        catch (IOException e)
        {
            return new RegistryError(RegistryErrorKind.Unreachable, registry,
                $"registry {registry}: the connection to {peer} broke: {Printable.Escape(e.Message)}");
        }
        finally
        {
            response?.Dispose();
        }
    }

    private static RegistryError Failure(string registry, string peer, HttpRequestException e)
    {
        var socket = Inner<SocketException>(e);
        var kind = e.HttpRequestError switch
        {
            HttpRequestError.SecureConnectionError => RegistryErrorKind.Tls,
            _ when Inner<AuthenticationException>(e) is not null => RegistryErrorKind.Tls,
            HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => RegistryErrorKind.Malformed,
            _ => RegistryErrorKind.Unreachable,
        };
        var why = kind switch
        {
            RegistryErrorKind.Tls => $"TLS with {peer} failed: {Printable.Escape(Inner<AuthenticationException>(e)?.Message ?? e.Message)}",
            RegistryErrorKind.Malformed => $"{peer} did not answer HTTP: {Printable.Escape(e.Message)}",
            _ when e.HttpRequestError == HttpRequestError.NameResolutionError || socket?.SocketErrorCode is SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData =>
                $"cannot resolve {peer}: {Printable.Escape(socket?.Message ?? e.Message)}",
            _ when socket?.SocketErrorCode == SocketError.ConnectionRefused => $"connection to {peer} refused",
            _ => $"cannot reach {peer}: {Printable.Escape(socket?.Message ?? e.Message)}",
        };
        return new RegistryError(kind, registry, $"registry {registry}: {why}");
    }

    private static T? Inner<T>(Exception e)
        where T : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is T t)
            {
                return t;
            }
        }

        return null;
    }

    /// <summary>The body, or null when it is longer than <paramref name="max"/>.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, int max, CancellationToken ct)
    {
        if (content.Headers.ContentLength is { } length && length > max)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (true)
        {
            var n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false);
            if (n == 0)
            {
                return buffer.ToArray();
            }

            if (buffer.Length + n > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, n);
        }
    }

    /// <summary>
    /// A GET whose whole body is read, at most <paramref name="max"/> bytes: the answer when it is
    /// a 200 with a body; the registry's refusal or "larger than" otherwise. The caller disposes it.
    /// </summary>
    private async Task<RegistryResult<Answer>> GetBoundedAsync(
        ImageName image, Uri uri, string[] accept, RegistryLogin? login, int max, string what, string thing, CancellationToken ct)
    {
        var sent = await SendAsync(image.Registry, HttpMethod.Get, uri, accept, PullScope(image), login, readBody: true, ct, max).ConfigureAwait(false);
        if (!sent.IsOk)
        {
            return sent.Error!;
        }

        var answer = sent.Value;
        if (answer.Status != HttpStatusCode.OK)
        {
            using (answer)
            {
                return StatusError(image, what, answer, login);
            }
        }

        if (answer.Body is null)
        {
            answer.Dispose();
            return Malformed(image, $"{what}: the {thing} is larger than {max / (1 << 20)} MiB");
        }

        return RegistryResult<Answer>.Ok(answer);
    }

    /// <summary>A response kept open for its headers, with the body when it was read.</summary>
    private sealed class Answer(HttpResponseMessage response, byte[]? body) : IDisposable
    {
        public HttpResponseMessage Response { get; } = response;

        public byte[]? Body { get; } = body;

        public HttpStatusCode Status => Response.StatusCode;

        public string? Username { get; set; }

        public bool Challenged { get; set; }

        public string? Scheme { get; set; }

        /// <summary>The Bearer token sent, kept only to scrub it from messages.</summary>
        public string? Token { get; set; }

        public void Dispose() => Response.Dispose();
    }
}
