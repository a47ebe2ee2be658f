namespace Tidemark.Core.Planning;

/// <summary>One destructive step of a plan, with what it is expected to remove.</summary>
/// <param name="Target">What the step acts on, in words, e.g. "stopped containers created before …".</param>
/// <param name="Until">The age cut-off the step passes to the daemon (prune endpoints), if any.</param>
public sealed record PlannedAction(
    int Stage,
    ActionKind Kind,
    string Target,
    DateTimeOffset? Until,
    long EstimatedBytes,
    IReadOnlyList<PlannedItem> Items);

/// <summary>One object a step expects to remove.</summary>
public sealed record PlannedItem(string Id, string Name, long Bytes, string Why);

public enum ActionKind
{
    /// <summary>POST /containers/prune with an until filter.</summary>
    PruneContainers,
    /// <summary>POST /images/prune with dangling=true and an until filter.</summary>
    PruneDanglingImages,
    /// <summary>POST /build/prune with an until filter.</summary>
    PruneBuildCache,
    /// <summary>DELETE /images/{id} without force.</summary>
    RemoveImage,
}

public static class ActionKinds
{
    public static string Name(ActionKind kind) => kind switch
    {
        ActionKind.PruneContainers => "containers",
        ActionKind.PruneDanglingImages => "dangling-images",
        ActionKind.PruneBuildCache => "build-cache",
        ActionKind.RemoveImage => "image",
        _ => kind.ToString(),
    };
}
