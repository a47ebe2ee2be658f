using System.Globalization;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Text;

namespace Tidemark.Core.Planning;

/// <summary>One layer of an image to pull, as its registry describes it.</summary>
/// <param name="CompressedBytes">The blob's size in the manifest: what the pull downloads for it.</param>
/// <param name="ChainId">Its chain ID, from the image config's diff IDs; null when the config could not be read.</param>
public sealed record RemoteLayer(string Digest, long CompressedBytes, string? ChainId);

/// <summary>What an estimate of a pull's size rests on, best first.</summary>
public enum EstimateBasis
{
    /// <summary>The registry's layer sizes, expanded by the ratio measured on this image's own layers already on the host.</summary>
    LayersHere,

    /// <summary>The registry's layer sizes, expanded by the ratio of an earlier version's size here to this version's compressed size.</summary>
    EarlierVersion,

    /// <summary>The registry's layer sizes, expanded by <see cref="PullEstimator.DefaultExpansion"/>.</summary>
    DefaultFactor,

    /// <summary>The registry could not be asked: the size of an earlier version of the repository on the host.</summary>
    Ledger,

    /// <summary>Nothing to go on: the registry could not be asked and no version of the repository is known.</summary>
    Unknown,
}

/// <summary>
/// What pulling one image adds to the data root's file system, and why that figure.
/// </summary>
/// <param name="NeededBytes">The room the pull needs: the unpacked layers plus the compressed downloads (see <see cref="PullEstimator"/>).</param>
/// <param name="UnpackedBytes">The estimated size of its missing layers once unpacked.</param>
/// <param name="DownloadBytes">The compressed bytes of its missing layers (0 when not known).</param>
/// <param name="LayersHere">Its layers already on the host (chain IDs and unpacked sizes): a pull reuses
/// them, so making room must not free them.</param>
/// <param name="Factor">The expansion from compressed to unpacked bytes used, when one was.</param>
/// <param name="Explanation">One line: the figures and where they come from.</param>
public sealed record PullEstimate(
    long NeededBytes,
    long UnpackedBytes,
    long DownloadBytes,
    int Layers,
    IReadOnlyList<LayerFact> LayersHere,
    EstimateBasis Basis,
    double? Factor,
    string Explanation)
{
    public static string BasisName(EstimateBasis basis) => basis switch
    {
        EstimateBasis.LayersHere => "layers-here",
        EstimateBasis.EarlierVersion => "earlier-version",
        EstimateBasis.DefaultFactor => "default-factor",
        EstimateBasis.Ledger => "ledger",
        _ => "unknown",
    };
}

/// <summary>An earlier version of a requested image's repository that is on the host: its size is known.</summary>
/// <param name="Reference">The tag it is known by here.</param>
/// <param name="Layers">Its layer facts, when read.</param>
public sealed record EarlierVersion(ImageRecord Image, string Reference, IReadOnlyList<LayerFact>? Layers);

/// <summary>
/// Estimates what a pull adds to the disk. A registry manifest gives each layer's compressed size;
/// on disk a layer takes its unpacked size, which only the image's config could tell exactly and
/// no registry reports. The rule:
/// <list type="bullet">
/// <item>A layer already on the host (same chain ID) is reused by the pull: it needs nothing.</item>
/// <item>A missing layer needs its compressed size (the download: the daemon keeps it in its data
/// root until unpacked, and an engine with the containerd image store keeps it for good) plus its
/// unpacked size, estimated as compressed × an expansion factor:
/// <list type="number">
/// <item><see cref="EstimateBasis.LayersHere"/>: the ratio of unpacked to compressed bytes of this
/// image's layers already here (usually its base, shared with the earlier version), when they
/// amount to at least <see cref="MinMeasuredBytes"/> compressed;</item>
/// <item><see cref="EstimateBasis.EarlierVersion"/>: else the unpacked size of the repository's
/// most recently used version here against this version's compressed size (versions of one
/// repository are about the same size);</item>
/// <item><see cref="EstimateBasis.DefaultFactor"/>: else <see cref="DefaultExpansion"/>, typical of
/// gzip on image layers.</item>
/// </list>
/// A measured factor is kept within [<see cref="MinExpansion"/>, <see cref="MaxExpansion"/>].</item>
/// <item>When the registry cannot be asked (<see cref="EstimateBasis.Ledger"/>): the earlier
/// version's unpacked size, plus that divided by the default factor for the download, none of it
/// counted as already here. With no earlier version the size is unknown and no room is made for it.</item>
/// </list>
/// </summary>
public static class PullEstimator
{
    /// <summary>Unpacked over compressed bytes of a typical image layer (gzip on binaries, libraries and text).</summary>
    public const double DefaultExpansion = 2.5;

    /// <summary>A layer is never smaller unpacked than compressed (gzip adds a little to random data).</summary>
    public const double MinExpansion = 1.0;

    /// <summary>A measured ratio above this is an outlier (a layer of zeros), not a property of the image.</summary>
    public const double MaxExpansion = 8.0;

    /// <summary>Below this many compressed bytes, a measured ratio says too little to be used.</summary>
    public const long MinMeasuredBytes = 1_000_000;

    /// <param name="layers">The image's layers, bottom up, from its manifest (and config, for chain IDs).</param>
    /// <param name="hostLayers">Every layer on the host: chain ID → unpacked size.</param>
    /// <param name="earlier">The repository's most recently used version on the host, if any.</param>
    public static PullEstimate FromManifest(IReadOnlyList<RemoteLayer> layers, IReadOnlyDictionary<string, long> hostLayers, EarlierVersion? earlier)
    {
        var here = new List<LayerFact>();
        long hereCompressed = 0, hereUnpacked = 0, missingCompressed = 0;
        var missing = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            if (layer.ChainId is { } chain && hostLayers.TryGetValue(chain, out var size))
            {
                if (seen.Add(chain))
                {
                    here.Add(new LayerFact(chain, size));
                }

                hereCompressed += layer.CompressedBytes;
                hereUnpacked += size;
            }
            else
            {
                missing++;
                missingCompressed += layer.CompressedBytes;
            }
        }

        var total = layers.Sum(l => l.CompressedBytes);
        double factor;
        EstimateBasis basis;
        string why;
        if (hereCompressed >= MinMeasuredBytes && hereUnpacked > 0)
        {
            factor = Clamp((double)hereUnpacked / hereCompressed);
            basis = EstimateBasis.LayersHere;
            why = $"measured on its {here.Count} layer{(here.Count == 1 ? "" : "s")} already here ({ByteSize.Format(hereUnpacked)} unpacked from {ByteSize.Format(hereCompressed)})";
        }
        else if (earlier is not null && total > 0 && earlier.Image.Size > 0)
        {
            factor = Clamp((double)earlier.Image.Size / total);
            basis = EstimateBasis.EarlierVersion;
            why = $"from the earlier version {earlier.Reference} here ({ByteSize.Format(earlier.Image.Size)} unpacked against this version's {ByteSize.Format(total)} compressed)";
        }
        else
        {
            factor = DefaultExpansion;
            basis = EstimateBasis.DefaultFactor;
            why = earlier is null ? "the default: no layer of it and no version of its repository is here to measure" : "the default";
        }

        var unpacked = (long)Math.Ceiling(missingCompressed * factor);
        var needed = missingCompressed + unpacked;
        var reused = here.Count == 0 ? "" : $", {layers.Count - missing} already here ({ByteSize.Format(hereUnpacked)}, reused)";
        var explanation = missing == 0
            ? $"registry manifest: {Layers(layers.Count)}, all already here: needs nothing"
            : $"registry manifest: {Layers(layers.Count)}{reused}; {missing} to download, {ByteSize.Format(missingCompressed)} compressed, " +
              $"× {F(factor)} unpacked ({why}) = {ByteSize.Format(unpacked)}, plus the download itself: needs about {ByteSize.Format(needed)}";
        return new PullEstimate(needed, unpacked, missingCompressed, layers.Count, here, basis, factor, explanation);
    }

    /// <summary>The registry could not be asked (<paramref name="why"/>): an earlier version's size, or nothing.</summary>
    public static PullEstimate FromHistory(EarlierVersion? earlier, string why)
    {
        if (earlier is null)
        {
            return new PullEstimate(0, 0, 0, 0, [], EstimateBasis.Unknown, null,
                $"size unknown: {why}, and no version of its repository is on this host or in the ledger: no room is made for it");
        }

        var unpacked = earlier.Image.Size;
        var download = (long)Math.Ceiling(unpacked / DefaultExpansion);
        var needed = unpacked + download;
        return new PullEstimate(needed, unpacked, download, 0, [], EstimateBasis.Ledger, null,
            $"from the ledger: {why}; its earlier version {earlier.Reference} here is {ByteSize.Format(unpacked)} unpacked, " +
            $"plus about {ByteSize.Format(download)} for the download (÷ {F(DefaultExpansion)}), none of it counted as already here: needs about {ByteSize.Format(needed)}");
    }

    /// <summary>
    /// The version of a repository to learn from: of the images tagged in it here, the one the
    /// ledger saw used last (then the newest build).
    /// </summary>
    public static EarlierVersion? Pick(IReadOnlyList<(ImageRecord Image, string Reference)> sameRepository, UsageLedger? ledger,
        IReadOnlyDictionary<string, IReadOnlyList<LayerFact>> layers)
    {
        var best = sameRepository
            .OrderByDescending(c => ledger?.Find(c.Image.Id)?.LastUsed ?? DateTimeOffset.MinValue)
            .ThenByDescending(c => c.Image.Created)
            .ThenBy(c => c.Image.Id, StringComparer.Ordinal)
            .Select(c => ((ImageRecord, string)?)c)
            .FirstOrDefault();
        return best is { } b ? new EarlierVersion(b.Item1, b.Item2, layers.GetValueOrDefault(b.Item1.Id)) : null;
    }

    private static string Layers(int n) => n == 1 ? "1 layer" : $"{n} layers";

    private static double Clamp(double f) => Math.Round(Math.Clamp(f, MinExpansion, MaxExpansion), 2);

    private static string F(double f) => f.ToString("0.##", CultureInfo.InvariantCulture);
}
