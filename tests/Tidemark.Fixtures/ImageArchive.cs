using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tidemark.Fixtures;

/// <summary>
/// Writes a docker-archive (the `docker save` format) for a set of images, so that `docker load`
/// makes them offline with exactly the layers, sharing, tags and creation dates asked for.
/// </summary>
public static class ImageArchive
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;
    private static readonly string[] Applets = ["sh", "sleep", "cat", "ls", "echo", "true", "dd", "mkdir", "rm", "sync", "wc", "head"];

    /// <summary>Writes the archive to <paramref name="path"/>; returns the image IDs in input order.</summary>
    public static IReadOnlyList<string> Write(string path, IReadOnlyList<FixtureImage> images)
    {
        var work = Directory.CreateTempSubdirectory("tidemark-fixture-");
        try
        {
            var layerFiles = new Dictionary<Layer, (string File, string Digest)>();
            foreach (var layer in images.SelectMany(i => i.Layers).Distinct())
            {
                var file = Path.Combine(work.FullName, $"layer-{layerFiles.Count}.tar");
                WriteLayer(file, layer);
                layerFiles[layer] = (file, Sha256File(file));
            }

            using var output = File.Create(path);
            using var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: false);
            var manifest = new JsonArray();
            var ids = new List<string>();
            foreach (var (digest, file) in layerFiles.Values.Select(v => (v.Digest, v.File)).Distinct())
            {
                AddFile(tar, $"{digest}/layer.tar", file);
            }

            foreach (var image in images)
            {
                var config = Config(image, image.Layers.Select(l => layerFiles[l].Digest).ToList());
                var configDigest = Convert.ToHexStringLower(SHA256.HashData(config));
                AddBytes(tar, $"{configDigest}.json", config);
                ids.Add("sha256:" + configDigest);
                manifest.Add(new JsonObject
                {
                    ["Config"] = $"{configDigest}.json",
                    ["RepoTags"] = image.Tags.Count == 0 ? null : new JsonArray(image.Tags.Select(t => (JsonNode)t!).ToArray()),
                    ["Layers"] = new JsonArray(image.Layers.Select(l => (JsonNode)$"{layerFiles[l].Digest}/layer.tar"!).ToArray()),
                });
            }

            AddBytes(tar, "manifest.json", Encoding.UTF8.GetBytes(manifest.ToJsonString()));
            return ids;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static byte[] Config(FixtureImage image, IReadOnlyList<string> diffIds)
    {
        var created = image.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var labels = new JsonObject();
        foreach (var (k, v) in image.Labels ?? new Dictionary<string, string>())
        {
            labels[k] = v;
        }

        var config = new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["created"] = created,
            ["config"] = new JsonObject
            {
                ["Env"] = new JsonArray("PATH=/bin"),
                ["Cmd"] = new JsonArray("/bin/sh"),
                ["Labels"] = labels,
            },
            ["rootfs"] = new JsonObject
            {
                ["type"] = "layers",
                ["diff_ids"] = new JsonArray(diffIds.Select(d => (JsonNode)$"sha256:{d}"!).ToArray()),
            },
            ["history"] = new JsonArray(image.Layers.Select(l => (JsonNode)new JsonObject
            {
                ["created"] = created,
                ["created_by"] = $"tidemark fixture layer {l.Name}",
            }).ToArray()),
            // Tags go into the config so that two fixtures with the same layers and date are still
            // two images, as two builds of different apps would be.
            ["tidemark_fixture"] = string.Join(",", image.Tags),
        };
        return Encoding.UTF8.GetBytes(config.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }

    private static void WriteLayer(string file, Layer layer)
    {
        using var stream = File.Create(file);
        using var tar = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: false);
        if (layer.IsBusybox)
        {
            AddDirectory(tar, "bin/");
            AddFile(tar, "bin/busybox", "/bin/busybox", mode: UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            foreach (var applet in Applets)
            {
                tar.WriteEntry(new UstarTarEntry(TarEntryType.SymbolicLink, $"bin/{applet}")
                {
                    LinkName = "busybox",
                    ModificationTime = Epoch,
                });
            }

            AddDirectory(tar, "tmp/");
            return;
        }

        AddDirectory(tar, "fixture/");
        using var content = new PatternStream(layer.Name, layer.Size, layer.Incompressible);
        tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, $"fixture/{Safe(layer.Name)}.bin")
        {
            DataStream = content,
            ModificationTime = Epoch,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        });
    }

    private static string Safe(string name)
    {
        var s = new string(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
        return s.Length > 80 ? s[..80] : s;
    }

    private static void AddDirectory(TarWriter tar, string name) =>
        tar.WriteEntry(new UstarTarEntry(TarEntryType.Directory, name)
        {
            ModificationTime = Epoch,
            Mode = (UnixFileMode)0b111_101_101,
        });

    private static void AddBytes(TarWriter tar, string name, byte[] bytes)
    {
        using var data = new MemoryStream(bytes);
        tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = data,
            ModificationTime = Epoch,
            Mode = (UnixFileMode)0b110_100_100,
        });
    }

    private static void AddFile(TarWriter tar, string name, string source, UnixFileMode mode = (UnixFileMode)0b110_100_100)
    {
        using var data = File.OpenRead(source);
        tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name)
        {
            DataStream = data,
            ModificationTime = Epoch,
            Mode = mode,
        });
    }

    private static string Sha256File(string file)
    {
        using var s = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}
