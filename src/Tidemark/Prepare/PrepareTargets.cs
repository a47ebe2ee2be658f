using Tidemark.Cli.Pipeline;
using Tidemark.Core.Inventory;
using Tidemark.Docker.Registry;

namespace Tidemark.Cli.Prepare;

/// <summary>One image a prepare was asked for, and where it was named.</summary>
/// <param name="Input">As written (an argument, or a stack file's image after substitution).</param>
/// <param name="Source">"argument", or "service web in stack.yml:7".</param>
public sealed record PrepareRequest(string Input, string Source);

/// <summary>A request made sense of: a reference to pull, or the ID of an image that is here.</summary>
public sealed record PrepareTarget(PrepareRequest Request, ImageName? Name, string? Id)
{
    /// <summary>The fully qualified reference (what is pulled, and how prepares compare notes), or the ID.</summary>
    public string Canonical => Name?.ToString() ?? Id!;

    /// <summary>What the lines call it: as it was written.</summary>
    public string Display => Request.Input;
}

public static class PrepareTargets
{
    /// <summary>The arguments, then the stack file's images, each once; notes on services that pull nothing.</summary>
    public static (IReadOnlyList<PrepareRequest> Requests, IReadOnlyList<string> Notes, CommandFailure? Failure) Collect(
        IReadOnlyList<string> images, string? stackFile, Func<string, string?> environment)
    {
        var requests = images.Select(i => new PrepareRequest(i, "argument")).ToList();
        var notes = new List<string>();
        if (stackFile is not null && (stackFile.Length == 0 || stackFile.Any(char.IsControl)))
        {
            return ([], [], new CommandFailure(ExitCodes.Usage, "--stack needs a file name"));
        }

        if (stackFile is not null)
        {
            var (stack, error) = StackFile.Read(stackFile, environment);
            if (error is not null)
            {
                return ([], [], new CommandFailure(File.Exists(stackFile) ? ExitCodes.DataError : ExitCodes.NoInput, error));
            }

            requests.AddRange(stack!.Images.Select(i => new PrepareRequest(i.Image, $"service {i.Service} in {stackFile}:{i.Line}")));
            notes.AddRange(stack.Notes);
        }

        if (requests.Count == 0)
        {
            return ([], notes, new CommandFailure(ExitCodes.Usage, stackFile is null
                ? "name the images to prepare (IMAGE... or --stack FILE)"
                : $"{stackFile} names no image to pull"));
        }

        return (requests.DistinctBy(r => r.Input, StringComparer.Ordinal).ToList(), notes, null);
    }

    /// <summary>
    /// A reference by the registry grammar (the default registry the daemon's), or an image ID:
    /// <c>sha256:</c> and 64 hex digits, 64 hex digits, or 12 to 63 that start exactly one image's ID here.
    /// </summary>
    public static (PrepareTarget? Target, string? Error) Parse(PrepareRequest request, DefaultRegistry defaults, IReadOnlyList<ImageRecord> here)
    {
        var input = request.Input;
        var hex = input.StartsWith("sha256:", StringComparison.Ordinal) ? input[7..] : input;
        var matches = hex.Length is >= 12 and <= 64 && hex.All(char.IsAsciiHexDigitLower)
            ? here.Where(i => Hex(i.Id).StartsWith(hex, StringComparison.Ordinal)).Select(i => i.Id).Distinct().ToList()
            : [];
        var looksLikeId = hex.Length is >= 12 and <= 64 && hex.All(char.IsAsciiHexDigitLower)
            && (input.StartsWith("sha256:", StringComparison.Ordinal) || hex.Length == 64 || matches.Count > 0);
        if (looksLikeId)
        {
            return matches.Count switch
            {
                1 => (new PrepareTarget(request, null, matches[0]), null),
                0 => (null, $"{request.Source}: no image with ID {input} is on this host (an ID cannot be pulled; name the image by reference)"),
                _ => (null, $"{request.Source}: {input} starts the IDs of {matches.Count} images here; give more digits"),
            };
        }

        return ImageName.TryParse(input, defaults.Domain, out var name, out var error)
            ? (new PrepareTarget(request, name, null), null)
            : (null, $"{request.Source}: {error}");
    }

    private static string Hex(string id) => id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id;

    /// <summary>Does the daemon's tag or digest (as it lists them: "alpine:3", "127.0.0.1:5000/app@sha256:…") name <paramref name="name"/>?</summary>
    public static bool Names(string local, ImageName name, DefaultRegistry defaults) =>
        ImageName.TryParse(local, defaults.Domain, out var here, out _)
        && here.Registry == name.Registry && here.Repository == name.Repository
        && (name.Digest is { } digest ? here.Digest == digest : here.Digest is null && here.Tag == name.Tag);

    /// <summary>Is <paramref name="local"/> a tag or digest of the same repository as <paramref name="name"/>?</summary>
    public static bool SameRepository(string local, ImageName name, DefaultRegistry defaults) =>
        ImageName.TryParse(local, defaults.Domain, out var here, out _)
        && here.Registry == name.Registry && here.Repository == name.Repository;

    /// <summary>The digest of a daemon's repo digest ("app@sha256:…"), when it is of <paramref name="name"/>'s repository.</summary>
    public static string? DigestIn(string repoDigest, ImageName name, DefaultRegistry defaults) =>
        ImageName.TryParse(repoDigest, defaults.Domain, out var here, out _) && here.Registry == name.Registry && here.Repository == name.Repository
            ? here.Digest
            : null;
}
