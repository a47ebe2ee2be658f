namespace Tidemark.Core.Layers;

/// <summary>
/// One layer of an image, by chain ID (what the storage driver shares: the same diff on a
/// different parent is a different layer) and its unpacked size.
/// </summary>
public sealed record LayerFact(string ChainId, long Size);
