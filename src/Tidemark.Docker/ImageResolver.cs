using Tidemark.Core.Inventory;

namespace Tidemark.Docker;

/// <summary>
/// Turns what events name (a container's image as typed, a tag, a digest, a short or full ID)
/// into an image ID, using what the daemon holds now.
/// </summary>
public sealed class ImageResolver
{
    private readonly Dictionary<string, string> _byReference = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _containerImage = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImageRecord> _images = new(StringComparer.Ordinal);

    public ImageResolver(IEnumerable<ImageRecord> images, IEnumerable<ContainerRecord> containers)
    {
        foreach (var image in images)
        {
            Add(image);
        }

        foreach (var c in containers)
        {
            _containerImage[c.Id] = c.ImageId;
        }
    }

    public void Add(ImageRecord image)
    {
        _images[image.Id] = image;
        _byReference[image.Id] = image.Id;
        foreach (var reference in image.References)
        {
            _byReference[reference] = image.Id;
            _byReference[ImageReference.Qualify(reference)] = image.Id;
        }
    }

    /// <summary>The image with this ID, as the daemon listed it.</summary>
    public ImageRecord? Find(string imageId) => _images.GetValueOrDefault(imageId);

    /// <summary>The image ID of a container that still exists.</summary>
    public string? ForContainer(string containerId) => _containerImage.GetValueOrDefault(containerId);

    public string? Resolve(string? reference)
    {
        if (string.IsNullOrEmpty(reference))
        {
            return null;
        }

        if (_byReference.TryGetValue(reference, out var id) || _byReference.TryGetValue("sha256:" + reference, out id))
        {
            return id;
        }

        var tagged = ImageReference.Repository(reference) == reference && !reference.Contains('@') ? reference + ":latest" : reference;
        if (_byReference.TryGetValue(ImageReference.Qualify(tagged), out id))
        {
            return id;
        }

        // A short ID as typed on the command line.
        var hex = reference.StartsWith("sha256:", StringComparison.Ordinal) ? reference[7..] : reference;
        if (hex.Length >= 4 && hex.All(char.IsAsciiHexDigitLower))
        {
            var matches = _images.Keys.Where(i => i.AsSpan(7).StartsWith(hex, StringComparison.Ordinal)).Take(2).ToList();
            return matches.Count == 1 ? matches[0] : null;
        }

        return null;
    }
}
