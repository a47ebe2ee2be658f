namespace Tidemark.Fixtures;

/// <summary>
/// A layer whose bytes are a pure function of its name and size: two images that list the same
/// layer share it on the daemon, exactly as images built FROM a common base do.
/// </summary>
public sealed record Layer(string Name, long Size)
{
    /// <summary>The static busybox binary and its applet links, so containers can run `sleep`.</summary>
    public static Layer Busybox { get; } = new("busybox", -1);

    public bool IsBusybox => Size < 0;

    /// <summary>Bytes gzip cannot shrink (a 1 MiB seeded block, longer than deflate's window), as
    /// compressed binaries or model weights are: a registry's compressed size is then about the size
    /// on disk. Otherwise the content repeats every 4 KiB and compresses to almost nothing.</summary>
    public bool Incompressible { get; init; }
}

/// <summary>An image to load: tags (none makes it dangling), layers bottom-up, and a creation date.</summary>
public sealed record FixtureImage(
    IReadOnlyList<string> Tags,
    IReadOnlyList<Layer> Layers,
    DateTimeOffset Created,
    IReadOnlyDictionary<string, string>? Labels = null)
{
    public static FixtureImage Tagged(string tag, DateTimeOffset created, params Layer[] layers) =>
        new([tag], [Layer.Busybox, .. layers], created);

    public static FixtureImage Dangling(DateTimeOffset created, params Layer[] layers) =>
        new([], [Layer.Busybox, .. layers], created);
}
