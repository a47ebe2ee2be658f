using Tidemark.Core.Inventory;
using Tidemark.Docker.Api;
using Tidemark.Docker.Models;

namespace Tidemark.Docker;

public enum RemovalOutcome
{
    Removed,
    /// <summary>409 because a container uses the image: that is a use.</summary>
    InUse,
    /// <summary>409 for another reason (child images, references the daemon will not drop).</summary>
    Refused,
    /// <summary>404: someone else removed it first.</summary>
    Gone,
    Failed,
    /// <summary>Told to stop before the delete: some references may be gone, the image stays.</summary>
    Stopped,
}

/// <param name="Untagged">References removed before the outcome; non-empty on a refusal means the
/// image lost those names though it stayed.</param>
public sealed record Removal(RemovalOutcome Outcome, int ImagesRemoved, string? Message, ApiError? Error, IReadOnlyList<string> Untagged);

/// <summary>
/// Removes one image without force. The daemon deletes an image by ID only when all its
/// references are in one repository with at most one tag ("referenced in multiple repositories"
/// otherwise), so every other reference is untagged by name first, then the ID is deleted; that
/// last call is where the daemon refuses an image a container uses.
/// </summary>
public sealed class ImageRemoval(DockerClient client, IReadOnlyDictionary<string, ImageRecord> known)
{
    /// <param name="stop">No new call starts once it is requested: the references dropped so far are reported.</param>
    public async Task<Removal> RemoveAsync(string id, IStopRequest stop, CancellationToken ct)
    {
        var untagged = new List<string>();
        if (known.TryGetValue(id, out var image))
        {
            foreach (var reference in ReferencesToDrop(image))
            {
                if (stop.Token.IsCancellationRequested)
                {
                    return new Removal(RemovalOutcome.Stopped, 0, null, null, untagged);
                }

                // The plan's references may be stale: a tag moved to a newer image since would
                // make this untag delete that image if it were its last name. Only a reference
                // that still names this image is dropped.
                var named = await client.InspectImageAsync(reference, ct).ConfigureAwait(false);
                if (!named.IsOk || named.Value.Id != id)
                {
                    if (named.IsOk || named.Error!.Kind == ApiErrorKind.NotFound)
                    {
                        continue;
                    }

                    return Refusal(named.Error!, untagged);
                }

                var untag = await client.RemoveImageAsync(reference, ct).ConfigureAwait(false);
                if (untag.IsOk)
                {
                    untagged.Add(reference);
                }
                else if (untag.Error!.Kind != ApiErrorKind.NotFound)
                {
                    // A digest of a repository whose last tag just went is dropped with it (404).
                    return Refusal(untag.Error, untagged);
                }
            }
        }

        if (stop.Token.IsCancellationRequested)
        {
            return new Removal(RemovalOutcome.Stopped, 0, null, null, untagged);
        }

        var r = await client.RemoveImageAsync(id, ct).ConfigureAwait(false);
        return r.IsOk
            ? new Removal(RemovalOutcome.Removed, ImagesAmong(r.Value), null, null, untagged)
            : Refusal(r.Error!, untagged);
    }

    /// <summary>
    /// Every reference but the last tag (or, untagged, but the first digest's repository), so that
    /// what is left is one tag and digests of its own repository: what a delete by ID accepts.
    /// </summary>
    public static IReadOnlyList<string> ReferencesToDrop(ImageRecord image)
    {
        var keep = image.RepoTags.Count > 0 ? ImageReference.Repository(image.RepoTags[^1])
            : image.RepoDigests.Count > 0 ? ImageReference.Repository(image.RepoDigests[0])
            : null;
        var tags = image.RepoTags.Take(image.RepoTags.Count - 1);
        var digests = image.RepoDigests.Where(d => ImageReference.Repository(d) != keep);
        return [.. tags, .. digests];
    }

    /// <summary>The daemon says a container uses the image ("being used by … container", "container … is using").</summary>
    public static bool SaysInUse(string message) =>
        message.Contains("container", StringComparison.OrdinalIgnoreCase)
        && (message.Contains("is using", StringComparison.OrdinalIgnoreCase) || message.Contains("used by", StringComparison.OrdinalIgnoreCase));

    private static Removal Refusal(ApiError error, IReadOnlyList<string> untagged) => error.Kind switch
    {
        ApiErrorKind.Conflict when SaysInUse(error.Message) => new Removal(RemovalOutcome.InUse, 0, error.Message, error, untagged),
        ApiErrorKind.Conflict => new Removal(RemovalOutcome.Refused, 0, error.Message, error, untagged),
        ApiErrorKind.NotFound => new Removal(RemovalOutcome.Gone, 0, error.Message, error, untagged),
        _ => new Removal(RemovalOutcome.Failed, 0, error.Message, error, untagged),
    };

    /// <summary>The daemon's deletion list mixes images and layers; only known images count.</summary>
    public int ImagesAmong(IEnumerable<ImageDeleteItem>? deleted) =>
        deleted?.Count(d => d.Deleted is { } id && known.ContainsKey(id)) ?? 0;
}
