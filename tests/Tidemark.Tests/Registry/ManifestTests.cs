using System.Text;
using Tidemark.Docker.Registry;

namespace Tidemark.Tests.Registry;

/// <summary>Issue 10: manifests, indexes and the choice of a platform.</summary>
public sealed class ManifestTests
{
    public static string D(char c) => "sha256:" + new string(c, 64);

    public static string Schema2(params (char Digest, long Size)[] layers) => $$"""
        {"schemaVersion":2,"mediaType":"{{MediaTypes.DockerManifest}}",
         "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":1469,"digest":"{{D('c')}}"},
         "layers":[{{string.Join(",", layers.Select(l => $$"""{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":{{l.Size}},"digest":"{{D(l.Digest)}}"}"""))}}]}
        """;

    public static string Index(params (char Digest, string Os, string Arch, string? Variant)[] entries)
    {
        var list = entries.Select(e =>
            "{\"mediaType\":\"" + MediaTypes.OciManifest + "\",\"size\":500,\"digest\":\"" + D(e.Digest)
            + "\",\"platform\":{\"os\":\"" + e.Os + "\",\"architecture\":\"" + e.Arch + "\""
            + (e.Variant is null ? "" : ",\"variant\":\"" + e.Variant + "\"") + "}}");
        return "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OciIndex + "\",\"manifests\":[" + string.Join(",", list) + "]}";
    }

    private static ManifestDocument Parse(string json, string? contentType)
    {
        var document = ManifestDocument.Parse(Encoding.UTF8.GetBytes(json), contentType, out var problem);
        Assert.True(document is not null, problem);
        return document;
    }

    private static string Problem(string json, string? contentType = null)
    {
        Assert.Null(ManifestDocument.Parse(Encoding.UTF8.GetBytes(json), contentType, out var problem));
        Assert.NotNull(problem);
        Assert.DoesNotContain('\n', problem);
        return problem;
    }

    [Fact]
    public void Reads_a_schema2_manifest_with_its_config_and_layers()
    {
        var m = Parse(Schema2(('a', 1000), ('b', 2_000_000)), MediaTypes.DockerManifest);

        Assert.False(m.IsIndex);
        Assert.Equal(MediaTypes.DockerManifest, m.MediaType);
        Assert.Equal(new ManifestBlob(D('c'), 1469, "application/vnd.docker.container.image.v1+json"), m.Config);
        Assert.Equal([D('a'), D('b')], m.Layers!.Select(l => l.Digest));
        Assert.Equal([1000L, 2_000_000L], m.Layers!.Select(l => l.Size));
        Assert.Equal("aaaaaaaaaaaa", m.Layers![0].ShortId);
    }

    [Fact]
    public void The_media_type_comes_from_the_header_then_the_body_then_the_shape()
    {
        var json = Schema2(('a', 1));
        Assert.Equal(MediaTypes.DockerManifest, Parse(json, "application/json; charset=utf-8").MediaType);
        Assert.Equal(MediaTypes.DockerManifest, Parse(json, null).MediaType);
        Assert.Equal(MediaTypes.OciManifest, Parse("""{"schemaVersion":2,"config":{"size":1,"digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"},"layers":[]}""", null).MediaType);
        Assert.True(Parse("""{"schemaVersion":2,"manifests":[]}""", null).IsIndex);
        Assert.True(Parse(Index(('a', "linux", "amd64", null)), $"{MediaTypes.DockerManifestList}; charset=utf-8").IsIndex);
    }

    [Fact]
    public void Reads_an_index_with_platforms()
    {
        var index = Parse(Index(('a', "linux", "amd64", null), ('b', "linux", "arm64", "v8"), ('d', "unknown", "unknown", null)), MediaTypes.OciIndex);

        Assert.True(index.IsIndex);
        Assert.Equal(["linux/amd64", "linux/arm64/v8", "unknown/unknown"], index.Entries!.Select(e => e.PlatformText));
    }

    [Theory]
    [InlineData("linux/amd64", 'a')]
    [InlineData("linux/x86_64", 'a')]
    [InlineData("linux/arm64", 'b')]
    [InlineData("linux/arm64/v8", 'b')]
    [InlineData("linux/aarch64", 'b')]
    [InlineData("linux/arm/v7", 'e')]
    [InlineData("linux/arm", 'e')]
    [InlineData("linux/arm/v6", 'f')]
    [InlineData("windows/amd64", '9')]
    public void Selects_the_entry_for_a_platform(string platform, char digest)
    {
        var index = Parse(Index(
            ('d', "unknown", "unknown", null),
            ('a', "linux", "amd64", null),
            ('b', "linux", "arm64", "v8"),
            ('e', "linux", "arm", "v7"),
            ('f', "linux", "arm", "v6"),
            ('9', "windows", "amd64", null)), null);
        Assert.True(Platform.TryParse(platform, out var p));

        Assert.Equal(D(digest), ManifestDocument.Select(index.Entries!, p)?.Digest);
    }

    [Fact]
    public void No_entry_for_the_platform_is_null()
    {
        var index = Parse(Index(('a', "linux", "amd64", null), ('d', "unknown", "unknown", null)), null);

        Assert.Null(ManifestDocument.Select(index.Entries!, new Platform("linux", "s390x")));
        Assert.Null(ManifestDocument.Select(index.Entries!, new Platform("linux", "arm64")));
    }

    [Theory]
    [InlineData("linux", "x86_64", "linux/amd64")]
    [InlineData("linux", "amd64", "linux/amd64")]
    [InlineData("linux", "aarch64", "linux/arm64")]
    [InlineData("linux", "armv7l", "linux/arm/v7")]
    [InlineData("linux", "armv6l", "linux/arm/v6")]
    [InlineData("linux", "i686", "linux/386")]
    [InlineData("Linux", "s390x", "linux/s390x")]
    [InlineData("windows", "x86_64", "windows/amd64")]
    public void The_daemons_platform_in_the_image_spec_spelling(string os, string architecture, string platform)
    {
        Assert.Equal(platform, Platform.FromDaemon(os, architecture).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("linux")]
    [InlineData("linux/")]
    [InlineData("/amd64")]
    [InlineData("linux/amd64/v1/x")]
    [InlineData("linux/am d64")]
    [InlineData("linux/amd64\n")]
    public void Rejects_a_platform_that_is_not_os_arch_variant(string text)
    {
        Assert.False(Platform.TryParse(text, out _));
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("""{"schemaVersion":1,"name":"x","fsLayers":[]}""", "schema 1")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","layers":[]}""", "no config")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"size":1,"digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"}}""", "no layers")]
    [InlineData("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json"}""", "no manifests")]
    [InlineData("""{"schemaVersion":2,"config":{"size":1,"digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"},"layers":[{"size":-1,"digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"}]}""", "layers[0] has no valid size")]
    [InlineData("""{"schemaVersion":2,"config":{"size":1,"digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"},"layers":[{"size":1,"digest":"sha256:../../etc"}]}""", "layers[0] has no valid digest")]
    [InlineData("""{"schemaVersion":2,"config":{"size":1,"digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"},"layers":[{"size":"1","digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"}]}""", "layers[0] has no valid size")]
    [InlineData("""{"schemaVersion":2,"config":{"size":1,"digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"},"layers":[7]}""", "layers[0] is not an object")]
    [InlineData("""{"schemaVersion":2}""", "unknown manifest media type")]
    public void A_malformed_manifest_is_a_problem_not_an_exception(string json, string problem)
    {
        Assert.Contains(problem, Problem(json), StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_refused()
    {
        Assert.Contains("not JSON", Problem(new string('[', 10_000) + new string(']', 10_000)), StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_manifest_knows_its_layer_bytes_and_finds_layers_by_progress_id()
    {
        Assert.True(ImageName.TryParse("127.0.0.1:5000/x:1", "127.0.0.1:5000", out var name, out _));
        var manifest = new ImageManifest(name, D('e'), MediaTypes.DockerManifest, null, null, new ManifestBlob(D('c'), 10, ""),
            [new ManifestBlob(D('a'), 100, ""), new ManifestBlob(D('b'), 250, "")], null);

        Assert.Equal(350, manifest.LayerBytes);
        Assert.Equal(250, manifest.LayerByShortId("bbbbbbbbbbbb")!.Size);
        Assert.Null(manifest.LayerByShortId("cccccccccccc"));
    }
}
