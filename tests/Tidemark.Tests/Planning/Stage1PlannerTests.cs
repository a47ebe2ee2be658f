using Tidemark.Core.Configuration;
using Tidemark.Core.Inventory;
using Tidemark.Core.Planning;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Planning;

public sealed class Stage1PlannerTests
{
    private static readonly PruneSettings Prune = new();

    private static IReadOnlyList<PlannedAction> Plan(Snapshot s, params string[] protect) =>
        Stage1Planner.Plan(s, Prune, new ProtectList(protect));

    private static PlannedAction Only(IReadOnlyList<PlannedAction> actions, ActionKind kind) => actions.Single(a => a.Kind == kind);

    [Fact]
    public void Prunes_old_stopped_containers_only()
    {
        var snap = new Scene()
            .Image("i1", "app:1")
            .Container("old-exited", "i1", ContainerState.Exited, TimeSpan.FromDays(2), sizeRw: 5)
            .Container("old-created", "i1", ContainerState.Created, TimeSpan.FromDays(2), sizeRw: 7)
            .Container("young-exited", "i1", ContainerState.Exited, TimeSpan.FromHours(2))
            .Container("old-running", "i1", ContainerState.Running, TimeSpan.FromDays(9))
            .Container("old-paused", "i1", ContainerState.Paused, TimeSpan.FromDays(9))
            .Build();

        var a = Only(Plan(snap), ActionKind.PruneContainers);
        Assert.Equal(["old-created", "old-exited"], a.Items.Select(i => i.Name).Order());
        Assert.Equal(12, a.EstimatedBytes);
        Assert.Equal(Scene.Now.AddHours(-24), a.Until);
        Assert.Equal("stopped containers created more than 1d ago", a.Target);
    }

    [Fact]
    public void Prunes_old_dangling_images_but_never_tagged_young_parents_or_used_ones()
    {
        var snap = new Scene()
            .Image("tagged-old", "app:1", TimeSpan.FromDays(90))
            .Image("dangling-old", null, TimeSpan.FromDays(9), size: 300, shared: 100)
            .Image("dangling-young", null, TimeSpan.FromHours(3))
            .Image("dangling-parent", null, TimeSpan.FromDays(9))
            .Image("child", "child:1", TimeSpan.FromDays(9), parent: "dangling-parent")
            .Image("dangling-used", null, TimeSpan.FromDays(9))
            .Container("runner", "dangling-used", ContainerState.Running)
            .Build();

        var a = Only(Plan(snap), ActionKind.PruneDanglingImages);
        Assert.Equal(["dangling-old"], a.Items.Select(i => i.Id));
        Assert.Equal(200, a.EstimatedBytes);
    }

    [Fact]
    public void A_dangling_image_whose_only_user_is_pruned_first_is_pruned_too()
    {
        var snap = new Scene()
            .Image("dangling", null, TimeSpan.FromDays(9))
            .Container("old-job", "dangling", ContainerState.Exited, TimeSpan.FromDays(5))
            .Build();
        Assert.Single(Only(Plan(snap), ActionKind.PruneDanglingImages).Items);
    }

    [Fact]
    public void A_dangling_image_used_by_a_young_stopped_container_stays()
    {
        var snap = new Scene()
            .Image("dangling", null, TimeSpan.FromDays(9))
            .Container("young-job", "dangling", ContainerState.Exited, TimeSpan.FromHours(1))
            .Build();
        Assert.DoesNotContain(Plan(snap), a => a.Kind == ActionKind.PruneDanglingImages);
    }

    [Fact]
    public void Build_cache_unused_for_the_min_age_and_not_shared_is_pruned()
    {
        var snap = new Scene()
            .Cache("old", TimeSpan.FromDays(3), size: 50)
            .Cache("young", TimeSpan.FromHours(1))
            .Cache("busy", TimeSpan.FromDays(3), inUse: true)
            .Cache("shared", TimeSpan.FromDays(3), shared: true)
            .Build();
        var a = Only(Plan(snap), ActionKind.PruneBuildCache);
        Assert.Equal(["old"], a.Items.Select(i => i.Id));
        Assert.Equal(50, a.EstimatedBytes);
    }

    [Fact]
    public void Actions_come_in_container_image_cache_order()
    {
        var snap = new Scene()
            .Image("d", null, TimeSpan.FromDays(9))
            .Container("old", "x", ContainerState.Exited, TimeSpan.FromDays(2))
            .Cache("old", TimeSpan.FromDays(3))
            .Build();
        Assert.Equal([ActionKind.PruneContainers, ActionKind.PruneDanglingImages, ActionKind.PruneBuildCache],
            Plan(snap).Select(a => a.Kind));
    }

    [Fact]
    public void What_is_kept_for_being_young_is_said_in_one_line()
    {
        var snap = new Scene()
            .Image("d1", null, TimeSpan.FromHours(1))
            .Container("a", "x", ContainerState.Exited, TimeSpan.FromHours(2))
            .Container("b", "x", ContainerState.Created, TimeSpan.FromHours(3))
            .Cache("c", TimeSpan.FromMinutes(5))
            .Build();
        var (_, notes) = Stage1Planner.PlanWithNotes(snap, Prune, ProtectList.Empty);
        Assert.Equal(["stage 1 keeps 2 stopped containers, 1 dangling image, 1 build cache record younger than 1d (min_age)"], notes);
    }

    [Fact]
    public void Nothing_old_enough_plans_nothing()
    {
        var snap = new Scene().Image("d", null, TimeSpan.FromHours(1)).Build();
        Assert.Empty(Plan(snap));
    }

    [Fact]
    public void A_protected_dangling_image_turns_the_prune_into_removals_of_the_others()
    {
        var snap = new Scene()
            .Image("keep", null, TimeSpan.FromDays(9), digest: "postgres@sha256:abc")
            .Image("go1", null, TimeSpan.FromDays(9), digest: "app@sha256:def")
            .Image("go2", null, TimeSpan.FromDays(9))
            .Build();
        var actions = Plan(snap, "postgres@*");
        Assert.DoesNotContain(actions, a => a.Kind == ActionKind.PruneDanglingImages);
        Assert.Equal(["go1", "go2"], actions.Where(a => a.Kind == ActionKind.RemoveImage).Select(a => a.Items.Single().Id));
    }

    [Fact]
    public void A_dangling_image_a_service_names_by_digest_is_never_left_to_the_prune_endpoint()
    {
        // `docker pull REG/app@sha256:…` leaves an untagged image with only a digest; a service
        // pinned to that digest (even scaled to 0) needs it, and images/prune would take it.
        var snap = new Scene()
            .Image("pinned", null, TimeSpan.FromDays(9), digest: "127.0.0.1:5000/app@sha256:abc")
            .Image("go", null, TimeSpan.FromDays(9))
            .Service("app", "127.0.0.1:5000/app@sha256:abc", replicas: 0, running: 0)
            .Build();
        var actions = Plan(snap);
        Assert.DoesNotContain(actions, a => a.Kind == ActionKind.PruneDanglingImages);
        Assert.Equal(["go"], actions.Where(a => a.Kind == ActionKind.RemoveImage).Select(a => a.Items.Single().Id));
    }

    [Fact]
    public void A_service_pinned_by_tag_and_digest_keeps_its_untagged_image()
    {
        var snap = new Scene()
            .Image("pinned", null, TimeSpan.FromDays(9), digest: "registry.local/ci/web@sha256:abc")
            .Service("web", "registry.local/ci/web:1.5@sha256:abc", replicas: 0, running: 0)
            .Build();
        Assert.Empty(Plan(snap));
    }

    [Fact]
    public void The_only_dangling_image_named_by_a_service_plans_nothing()
    {
        var snap = new Scene()
            .Image("pinned", null, TimeSpan.FromDays(9), digest: "app@sha256:abc")
            .Service("app", "docker.io/library/app@sha256:abc", replicas: 3, running: 3)
            .Build();
        Assert.Empty(Plan(snap));
    }

    [Fact]
    public void Protect_globs_match_short_and_qualified_references()
    {
        var image = new ImageRecord("i", "", ["postgres:16"], [], Scene.Now, 1, 0);
        Assert.Equal("postgres:*", new ProtectList(["postgres:*"]).Match(image));
        Assert.Equal("docker.io/library/*", new ProtectList(["docker.io/library/*"]).Match(image));
        Assert.Null(new ProtectList(["postgres:15"]).Match(image));
        Assert.Null(new ProtectList(["mysql*"]).Match(image));
    }
}
