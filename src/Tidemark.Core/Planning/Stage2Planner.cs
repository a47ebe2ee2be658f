using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;
using Tidemark.Core.Layers;
using Tidemark.Core.Ledger;
using Tidemark.Core.Text;

namespace Tidemark.Core.Planning;

/// <summary>Everything stage 2 decides from: the host as stage 1 is expected to leave it.</summary>
public sealed record Stage2Input(
    DateTimeOffset Now,
    IReadOnlyList<ImageRecord> Images,
    IReadOnlyList<ContainerRecord> Containers,
    IReadOnlyList<ServiceRecord> Services,
    IReadOnlyDictionary<string, IReadOnlyList<LayerFact>> Layers,
    UsageLedger Ledger,
    IEvictionOrder Order,
    ProtectList Protect,
    TimeSpan MinAge,
    long TargetBytes)
{
    /// <summary>The setting that gave <see cref="MinAge"/>, as the keep lines name it.</summary>
    public string MinAgeName { get; init; } = "min_age";

    /// <summary>What stage 2 works towards, in words ("the low watermark 70%").</summary>
    public string TargetName { get; init; } = "the low watermark";

    /// <summary>Images whose only containers stage 1 removes in this plan, with those containers' names.</summary>
    public IReadOnlyDictionary<string, string> ReleasedByStage1 { get; init; } = new Dictionary<string, string>();
}

public enum Verdict
{
    Remove,
    InUse,
    Service,
    Protected,
    TooYoung,
    HasChildren,
    FreesNothing,
    TargetMet,
    NoLayerFacts,
}

/// <summary>Stage 2's word on one tagged image, in eviction order.</summary>
/// <param name="UniqueBytes">What removing it alone would free, everything else kept.</param>
/// <param name="FreedBytes">For a removal: what it frees given the removals before it.</param>
/// <param name="Used">The ledger recorded a use; if not, <paramref name="LastUsed"/> is when it was first seen.</param>
/// <param name="LastUseAssumed">The last use is unknown and counted as <paramref name="LastUsed"/> (now).</param>
public sealed record ImageReview(ImageRecord Image, DateTimeOffset LastUsed, long UniqueBytes, long FreedBytes, Verdict Verdict, string Why, bool Used = true,
    bool LastUseAssumed = false);

public sealed record Stage2Plan(
    DateTimeOffset Now,
    IReadOnlyList<PlannedAction> Actions,
    IReadOnlyList<ImageReview> Reviews,
    long TargetBytes,
    long FreedBytes,
    string? Shortfall);

/// <summary>
/// Stage 2: unused tagged images, least valuable first, counting the bytes each removal really
/// frees (a layer is freed only when no kept image still references it), until the target is met.
/// An image that frees nothing is not removed for nothing; a parent becomes removable only once
/// its children are gone, so removals never meet a 409 for dependent children.
/// </summary>
public static class Stage2Planner
{
    public const int Stage = 2;

    public static Stage2Plan Plan(Stage2Input input)
    {
        var n = input.Images.Count;
        var graph = LayerGraph.Build(input.Images, input.Layers);
        var reasons = KeepReasons(input);
        var facts = new CandidateFacts?[n];
        var candidates = new List<int>();
        var scores = new List<double>();
        for (var i = 0; i < n; i++)
        {
            var image = input.Images[i];
            if (image.RepoTags.Count == 0)
            {
                continue;
            }

            var candidate = !reasons.ContainsKey(i) && graph.HasFacts(i);
            // History is only read for candidates: the order needs it, the others are kept anyway.
            facts[i] = new CandidateFacts(image, input.Ledger.Find(image.Id), input.Ledger.LastUsed(image.Id, input.Now), graph.Marginal(i), input.Now,
                candidate ? input.Ledger.UsesWithRepositories(image) : [], candidate && input.Ledger.IsSuperseded(image));
            if (candidate)
            {
                candidates.Add(i);
                scores.Add(input.Order.Score(facts[i]!));
            }
        }

        // Equal scores (say, all first seen at install): the older build goes first, then by ID.
        var order = Enumerable.Range(0, candidates.Count).ToArray();
        Array.Sort(order, (a, b) =>
        {
            var c = scores[a].CompareTo(scores[b]);
            if (c != 0)
            {
                return c;
            }

            var x = input.Images[candidates[a]];
            var y = input.Images[candidates[b]];
            c = x.Created.CompareTo(y.Created);
            return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
        });
        var rank = new int[n];
        Array.Fill(rank, int.MaxValue);
        for (var position = 0; position < order.Length; position++)
        {
            rank[candidates[order[position]]] = position;
        }

        var selected = Select(graph, candidates, rank, input.TargetBytes, out var freedAt);
        var described = selected.ToDictionary(i => i, i => input.Order.Describe(facts[i]!));
        var actions = selected.Select(i => Action(facts[i]!, freedAt[i], described[i])).ToList();
        var freed = selected.Sum(i => freedAt[i]);

        // Removals first, in the order they are carried out (a shared base goes after the images
        // built on it, though it may rank before them), then the rest in eviction order.
        var removedAt = selected.Select((image, position) => (image, position)).ToDictionary(x => x.image, x => x.position);
        var reviewed = Enumerable.Range(0, n).Where(i => facts[i] is not null).ToArray();
        Array.Sort(reviewed, (a, b) =>
        {
            var (ra, rb) = (removedAt.GetValueOrDefault(a, int.MaxValue), removedAt.GetValueOrDefault(b, int.MaxValue));
            return ra != rb ? ra.CompareTo(rb)
                : rank[a] != rank[b] ? rank[a].CompareTo(rank[b])
                : string.CompareOrdinal(input.Images[a].Id, input.Images[b].Id);
        });
        var reviews = new List<ImageReview>(reviewed.Length);
        foreach (var i in reviewed)
        {
            var f = facts[i]!;
            var (verdict, why, bytes) = Review(i, f, graph, reasons, freedAt, described);
            var released = input.ReleasedByStage1.TryGetValue(f.Image.Id, out var containers)
                ? $" (its stopped container {containers} goes in stage 1 of this plan, so no container holds it any more)"
                : "";
            reviews.Add(new ImageReview(f.Image, f.LastUsed, f.UniqueBytes, bytes, verdict, why + released, WasUsed(f), f.Usage?.LastUseAssumed == true));
        }

        return new Stage2Plan(input.Now, actions, reviews, input.TargetBytes, freed, Shortfall(input.TargetBytes, freed, reviews, input.TargetName));
    }

    private static (Verdict Verdict, string Why, long Bytes) Review(
        int i, CandidateFacts f, LayerGraph graph, Dictionary<int, (Verdict Verdict, string Why)> reasons, Dictionary<int, long> freedAt, Dictionary<int, string> described)
    {
        if (freedAt.TryGetValue(i, out var bytes))
        {
            // A layer shared only with images removed before this one is freed with this one,
            // though removing this one alone would not free it: say so, or the figures disagree.
            var shared = bytes - f.UniqueBytes;
            var note = shared > 0 ? $" ({ByteSize.Format(shared)} of it in layers shared only with images removed before it)" : "";
            return (Verdict.Remove, $"remove: {described[i]}, frees {ByteSize.Format(bytes)}{note}", bytes);
        }

        if (reasons.TryGetValue(i, out var reason))
        {
            return (reason.Verdict, reason.Why, 0);
        }

        if (!graph.HasFacts(i))
        {
            return (Verdict.NoLayerFacts, "keep: its layers could not be read", 0);
        }

        if (graph.ChildCount(i) > 0)
        {
            return (Verdict.HasChildren, "keep: other images are built on it", 0);
        }

        return graph.Marginal(i) == 0
            ? (Verdict.FreesNothing, "keep: frees nothing, its layers are shared with images that stay", 0)
            : (Verdict.TargetMet, "keep: the target is met before it", 0);
    }

    /// <summary>Whether the ledger recorded any use of the image itself, beyond being seen.</summary>
    private static bool WasUsed(CandidateFacts f) => f.Usage is { UseCount: > 0 } || (f.Usage is { } u && u.LastUsed > u.FirstSeen);

    private static List<int> Select(LayerGraph graph, List<int> candidates, int[] rank, long target, out Dictionary<int, long> freedAt)
    {
        freedAt = [];
        var selected = new List<int>();
        if (target <= 0)
        {
            return selected;
        }

        var isCandidate = new bool[rank.Length];
        foreach (var c in candidates)
        {
            isCandidate[c] = true;
        }

        var queue = new PriorityQueue<int, int>();
        foreach (var c in candidates)
        {
            if (graph.ChildCount(c) == 0 && graph.Marginal(c) > 0)
            {
                queue.Enqueue(c, rank[c]);
            }
        }

        long freed = 0;
        while (freed < target && queue.TryDequeue(out var image, out _))
        {
            if (graph.IsRemoved(image))
            {
                continue;
            }

            var bytes = graph.Remove(image, out var gained, out var parent);
            freed += bytes;
            freedAt[image] = bytes;
            selected.Add(image);
            foreach (var other in gained.Append(parent).Where(o => o >= 0).Distinct())
            {
                // Marginals only grow as images go, so a queued entry stays valid; re-queue on change.
                if (isCandidate[other] && !graph.IsRemoved(other) && graph.ChildCount(other) == 0 && graph.Marginal(other) > 0)
                {
                    queue.Enqueue(other, rank[other]);
                }
            }
        }

        return selected;
    }

    private static Dictionary<int, (Verdict Verdict, string Why)> KeepReasons(Stage2Input input)
    {
        var used = input.Containers
            .GroupBy(c => c.ImageId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var reasons = new Dictionary<int, (Verdict, string)>();
        for (var i = 0; i < input.Images.Count; i++)
        {
            var image = input.Images[i];
            if (image.RepoTags.Count == 0)
            {
                continue;
            }

            if (used.TryGetValue(image.Id, out var container))
            {
                reasons[i] = (Verdict.InUse, container.IsLive
                    ? $"keep: in use by container {container.Name} ({container.State.ToString().ToLowerInvariant()})"
                    : $"keep: held by stopped container {container.Name} ({ContainerRecord.Describe(container.State)}); it can go once that container is removed");
            }
            else if (input.Services.FirstOrDefault(s => ImageReference.Names(s.Image, image)) is { } service)
            {
                reasons[i] = (Verdict.Service, $"keep: {service.Naming}");
            }
            else if (input.Protect.Match(image) is { } glob)
            {
                reasons[i] = (Verdict.Protected, $"keep: protected ({glob})");
            }
            else if (input.Now - input.Ledger.LastUsed(image.Id, input.Now) < input.MinAge)
            {
                var age = input.Now - input.Ledger.LastUsed(image.Id, input.Now);
                reasons[i] = (Verdict.TooYoung, input.Ledger.Find(image.Id)?.LastUseAssumed == true
                    ? $"keep: its last use is unknown, so it counts as used now ({input.MinAgeName} {DurationText.Format(input.MinAge)})"
                    : $"keep: used {DurationText.Approximate(age)} ago, younger than {input.MinAgeName} {DurationText.Format(input.MinAge)}");
            }
        }

        return reasons;
    }

    private static PlannedAction Action(CandidateFacts f, long bytes, string why) => new(
        Stage,
        ActionKind.RemoveImage,
        f.Image.DisplayName,
        null,
        bytes,
        [new PlannedItem(f.Image.Id, f.Image.DisplayName, bytes, why)]);

    private static string? Shortfall(long target, long freed, IReadOnlyList<ImageReview> reviews, string targetName)
    {
        if (target <= 0 || freed >= target)
        {
            return null;
        }

        var held = reviews
            .Where(r => r.Verdict is not (Verdict.Remove or Verdict.TargetMet))
            .GroupBy(r => r.Verdict)
            .OrderBy(g => g.Key)
            .Select(g => $"{g.Count()} {Describe(g.Key)}");
        var list = string.Join(", ", held);
        return $"cannot reach {targetName}: {ByteSize.Format(target - freed)} more would be needed" +
            (list.Length > 0 ? $"; the rest is held by: {list}" : "; no other tagged image is left");
    }

    private static string Describe(Verdict v) => v switch
    {
        Verdict.InUse => "in use by containers",
        Verdict.Service => "named by services",
        Verdict.Protected => "protected",
        Verdict.TooYoung => "used too recently",
        Verdict.HasChildren => "with child images",
        Verdict.FreesNothing => "freeing nothing on their own",
        Verdict.NoLayerFacts => "with unreadable layers",
        _ => v.ToString(),
    };
}
