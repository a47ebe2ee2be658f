using System.Text.Json;
using Tidemark.Core.Text;

namespace Tidemark.Docker.Registry;

public static class MediaTypes
{
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>The Accept of a HEAD or GET that may land on an index: indexes first, as the daemon asks.</summary>
    public static readonly string[] AnyManifest = [OciIndex, DockerManifestList, OciManifest, DockerManifest];

    /// <summary>The Accept of a GET by an index entry's digest.</summary>
    public static readonly string[] ImageManifests = [OciManifest, DockerManifest];

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsImageManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;
}

/// <summary>A blob a manifest names: the config or a layer. <see cref="Size"/> is the bytes a pull downloads for it.</summary>
public sealed record ManifestBlob(string Digest, long Size, string MediaType)
{
    /// <summary>The first 12 hex digits of the digest: the ID the daemon's pull progress shows for a layer.</summary>
    public string ShortId => Digest[(Digest.IndexOf(':', StringComparison.Ordinal) + 1)..][..12];
}

/// <summary>One entry of an OCI index or Docker manifest list.</summary>
public sealed record IndexEntry(string Digest, long Size, string MediaType, string? Os, string? Architecture, string? Variant)
{
    public string PlatformText => $"{Os ?? "?"}/{Architecture ?? "?"}{(Variant is null ? "" : "/" + Variant)}";
}

/// <summary>What HEAD /v2/&lt;repo&gt;/manifests/&lt;ref&gt; answered (a HEAD is not counted as a pull).</summary>
/// <param name="Status">The HTTP status (200).</param>
/// <param name="Digest">Docker-Content-Digest: the digest of what a pull of this reference would get (an index for a multi-platform image).</param>
/// <param name="MediaType">Content-Type: which kind of manifest (or index) it is.</param>
/// <param name="RateLimit">The registry's pull limit, or null when it reports none.</param>
/// <param name="RateLimitProblem">Why rate-limit headers that were sent could not be read (escaped).</param>
/// <param name="Username">The user the request was authenticated as; null when anonymous.</param>
public sealed record ManifestHead(
    ImageName Image,
    int Status,
    string? Digest,
    string? MediaType,
    long? Size,
    RateLimit? RateLimit,
    string? RateLimitProblem,
    string? Username);

/// <summary>An image manifest for one platform: its config and layers, each with its size.</summary>
/// <param name="Digest">The image manifest's own digest.</param>
/// <param name="IndexDigest">The index or manifest list it was chosen from; null when the reference named an image manifest.</param>
/// <param name="Platform">The platform chosen from the index; null when there was no index.</param>
public sealed record ImageManifest(
    ImageName Image,
    string Digest,
    string MediaType,
    string? IndexDigest,
    Platform? Platform,
    ManifestBlob Config,
    IReadOnlyList<ManifestBlob> Layers,
    RateLimit? RateLimit)
{
    /// <summary>What a cold pull downloads for the layers (compressed sizes), config not counted.</summary>
    public long LayerBytes => Layers.Sum(l => l.Size);

    /// <summary>The layer with this progress ID (first 12 hex digits of its digest), if any.</summary>
    public ManifestBlob? LayerByShortId(string shortId) => Layers.FirstOrDefault(l => l.ShortId == shortId);
}

/// <summary>A parsed manifest body: an index (list of entries) or an image manifest (config and layers).</summary>
public sealed record ManifestDocument(string MediaType, IReadOnlyList<IndexEntry>? Entries, ManifestBlob? Config, IReadOnlyList<ManifestBlob>? Layers)
{
    public bool IsIndex => Entries is not null;

    /// <summary>
    /// Reads a manifest body. <paramref name="contentType"/> is the response's Content-Type (its
    /// parameters ignored); when missing or generic the body's own mediaType, then its shape, decide.
    /// Returns null and a problem (one line, escaped) for anything else: bad JSON, a schema 1
    /// manifest, a missing field, a bad digest or size.
    /// </summary>
    public static ManifestDocument? Parse(ReadOnlySpan<byte> body, string? contentType, out string? problem)
    {
        problem = null;
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            problem = "the manifest is not valid UTF-8";
            return null;
        }

        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            problem = "the manifest is not JSON: " + Printable.Escape(e.Message);
            return null;
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "the manifest is not a JSON object";
                return null;
            }

            var declared = String(root, "mediaType");
            var type = contentType?.Split(';')[0].Trim().ToLowerInvariant();
            if (type is null || !(MediaTypes.IsIndex(type) || MediaTypes.IsImageManifest(type)))
            {
                type = declared;
            }

            if (root.TryGetProperty("schemaVersion", out var version) && version.ValueKind == JsonValueKind.Number
                && version.TryGetInt32(out var v) && v == 1)
            {
                problem = "the registry answered a schema 1 manifest, which Tidemark does not read";
                return null;
            }

            if (type is null || !(MediaTypes.IsIndex(type) || MediaTypes.IsImageManifest(type)))
            {
                type = root.TryGetProperty("manifests", out _) ? MediaTypes.OciIndex
                    : root.TryGetProperty("layers", out _) ? MediaTypes.OciManifest
                    : null;
            }

            if (type is null)
            {
                problem = $"unknown manifest media type '{Printable.Escape(contentType ?? declared ?? "")}'";
                return null;
            }

            return MediaTypes.IsIndex(type) ? ParseIndex(root, type, out problem) : ParseManifest(root, type, out problem);
        }
    }

    private static ManifestDocument? ParseIndex(JsonElement root, string type, out string? problem)
    {
        problem = null;
        if (!root.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
        {
            problem = "the index has no manifests array";
            return null;
        }

        var entries = new List<IndexEntry>();
        var n = 0;
        foreach (var m in manifests.EnumerateArray())
        {
            n++;
            if (Descriptor(m, $"manifests[{n - 1}]", out problem) is not { } d)
            {
                return null;
            }

            string? os = null, arch = null, variant = null;
            if (m.TryGetProperty("platform", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                os = String(p, "os");
                arch = String(p, "architecture");
                variant = String(p, "variant");
            }

            entries.Add(new IndexEntry(d.Digest, d.Size, d.MediaType, os, arch, variant));
        }

        return new ManifestDocument(type, entries, null, null);
    }

    private static ManifestDocument? ParseManifest(JsonElement root, string type, out string? problem)
    {
        problem = null;
        if (!root.TryGetProperty("config", out var config) || Descriptor(config, "config", out problem) is not { } c)
        {
            problem ??= "the manifest has no config";
            return null;
        }

        if (!root.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
        {
            problem = "the manifest has no layers array";
            return null;
        }

        var list = new List<ManifestBlob>();
        var i = 0;
        foreach (var l in layers.EnumerateArray())
        {
            if (Descriptor(l, $"layers[{i++}]", out problem) is not { } d)
            {
                return null;
            }

            list.Add(d);
        }

        return new ManifestDocument(type, null, c, list);
    }

    private static ManifestBlob? Descriptor(JsonElement e, string where, out string? problem)
    {
        problem = null;
        if (e.ValueKind != JsonValueKind.Object)
        {
            problem = $"{where} is not an object";
            return null;
        }

        var digest = String(e, "digest");
        if (digest is null || !IsDigest(digest))
        {
            problem = $"{where} has no valid digest ('{Printable.Escape(Cut(digest))}')";
            return null;
        }

        if (!e.TryGetProperty("size", out var size) || size.ValueKind != JsonValueKind.Number || !size.TryGetInt64(out var bytes) || bytes < 0)
        {
            problem = $"{where} has no valid size";
            return null;
        }

        return new ManifestBlob(digest, bytes, String(e, "mediaType") ?? "");
    }

    /// <summary>sha256: and 64 lower-case hex digits, or sha512: and 128.</summary>
    public static bool IsDigest(string digest) =>
        (digest.StartsWith("sha256:", StringComparison.Ordinal) && digest.Length == 71 && digest.AsSpan(7).ContainsAnyExcept("0123456789abcdef") == false)
        || (digest.StartsWith("sha512:", StringComparison.Ordinal) && digest.Length == 135 && digest.AsSpan(7).ContainsAnyExcept("0123456789abcdef") == false);

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Cut(string? s) => s is null ? "" : s.Length > 80 ? s[..80] + "…" : s;

    /// <summary>
    /// The entry of an index for <paramref name="platform"/>: an image manifest whose platform
    /// matches after normalisation (x86_64 is amd64, arm64 without a variant is v8). Attestation
    /// entries (platform unknown/unknown) never match. Null when none does.
    /// </summary>
    public static IndexEntry? Select(IReadOnlyList<IndexEntry> entries, Platform platform) =>
        entries.FirstOrDefault(e => (MediaTypes.IsImageManifest(e.MediaType) || e.MediaType.Length == 0)
            && platform.Matches(e.Os, e.Architecture, e.Variant));
}
