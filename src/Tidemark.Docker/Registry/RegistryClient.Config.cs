using System.Security.Cryptography;
using System.Text.Json;

namespace Tidemark.Docker.Registry;

public sealed partial class RegistryClient
{
    /// <summary>An image config is a few kilobytes (a long history, some tens); more is not one.</summary>
    public const int MaxConfigBytes = 8 << 20;

    private static readonly string[] ConfigTypes = ["application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"];

    /// <summary>
    /// GET the image config blob <paramref name="manifest"/> names and read its <c>rootfs.diff_ids</c>,
    /// bottom up: with them, a layer's chain ID is known before the pull, so a layer already on the
    /// host can be told from a missing one. The body's sha256 must be the digest asked for, and
    /// there must be one diff ID per manifest layer. A blob GET is not a pull as far as a
    /// rate-limited registry counts.
    /// </summary>
    public async Task<RegistryResult<IReadOnlyList<string>>> GetDiffIdsAsync(ImageManifest manifest, RegistryLogin? login, CancellationToken ct)
    {
        var image = manifest.Image;
        var config = manifest.Config;
        var what = $"GET /v2/{image.Repository}/blobs/{config.Digest}";
        if (config.Size > MaxConfigBytes)
        {
            return Malformed(image, $"{what}: the config is {config.Size} bytes, more than {MaxConfigBytes / (1 << 20)} MiB");
        }

        var uri = new Uri(BaseUri(image.Registry), $"v2/{image.Repository}/blobs/{config.Digest}");
        var got = await GetBoundedAsync(image, uri, ConfigTypes, login, MaxConfigBytes, what, "config", ct).ConfigureAwait(false);
        if (!got.IsOk)
        {
            return got.Error!;
        }

        using var answer = got.Value;

        if (config.Digest.StartsWith("sha256:", StringComparison.Ordinal)
            && "sha256:" + Convert.ToHexStringLower(SHA256.HashData(answer.Body!)) != config.Digest)
        {
            return Malformed(image, $"{what}: the body's digest is not the one asked for");
        }

        var diffIds = new List<string>();
        try
        {
            using var json = JsonDocument.Parse(answer.Body, new JsonDocumentOptions { MaxDepth = 64 });
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("rootfs", out var rootfs) || rootfs.ValueKind != JsonValueKind.Object
                || !rootfs.TryGetProperty("diff_ids", out var ids) || ids.ValueKind != JsonValueKind.Array)
            {
                return Malformed(image, $"{what}: the config has no rootfs.diff_ids");
            }

            foreach (var id in ids.EnumerateArray())
            {
                if (id.ValueKind != JsonValueKind.String || id.GetString() is not { } d || !ManifestDocument.IsDigest(d))
                {
                    return Malformed(image, $"{what}: a rootfs.diff_ids entry is not a digest");
                }

                diffIds.Add(d);
            }
        }
        catch (JsonException)
        {
            return Malformed(image, $"{what}: the config is not JSON");
        }

        if (diffIds.Count != manifest.Layers.Count)
        {
            return Malformed(image, $"{what}: the config lists {diffIds.Count} layers, the manifest {manifest.Layers.Count}");
        }

        return RegistryResult<IReadOnlyList<string>>.Ok(diffIds);
    }
}
