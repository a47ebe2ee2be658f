using Tidemark.Core.Inventory;
using Tidemark.Core.Ledger;
using Tidemark.Docker;
using Tidemark.Docker.Api;
using Tidemark.Docker.Models;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Events;

/// <summary>Events recorded from engine 20.10: tag, push, untag, pull, run, exec.</summary>
public sealed class EventMappingTests
{
    private const string Debian = "sha256:dc66442e9a3eeac74be35699fe107603cefb748ddb3f9aab4841e75e7564b005";

    private static ImageResolver Resolver() => new(
        [new ImageRecord(Debian, "", ["debian:12", "mirror.local/debian:12", "127.0.0.1:5000/lib/debian:12"], [], Scene.Now, 1, 0)],
        []);

    private static IReadOnlyList<EngineEvent> Recorded() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Recorded", "api-1.41", "events.jsonl"))
            .Select(l => EngineJson.Parse(System.Text.Encoding.UTF8.GetBytes(l), DockerJsonContext.Default.EngineEvent, "event").Value)
            .ToList();

    [Fact]
    public void Uses_are_creations_starts_stops_execs_pulls_and_tags_and_nothing_else()
    {
        var uses = Recorded().Select(e => EventMapping.ToUsage(e, Resolver())).OfType<UsageEvent>().ToList();

        Assert.All(uses, u => Assert.Equal(Debian, u.ImageId));
        Assert.Equal(2, uses.Count(u => u.Kind == UsageKind.ContainerCreated));
        Assert.Equal(2, uses.Count(u => u.Kind == UsageKind.ImageArrived));
        // start, exec_* and (since a container that just died was running until then) die and stop.
        Assert.Equal(7, uses.Count(u => u.Kind == UsageKind.ContainerActive));
        Assert.Contains(uses, u => u.Kind == UsageKind.ImageArrived && u.Reference == "127.0.0.1:5000/lib/debian:12");
    }

    [Fact]
    public void Event_times_keep_nanoseconds()
    {
        var first = Recorded()[0];
        var t = EventMapping.TimeOf(first);
        Assert.Equal(first.Time, t.ToUnixTimeSeconds());
        Assert.Equal(first.TimeNano / 100 % TimeSpan.TicksPerSecond, t.UtcTicks % TimeSpan.TicksPerSecond);
    }

    [Fact]
    public void Events_for_images_the_daemon_no_longer_holds_are_dropped()
    {
        var empty = new ImageResolver([], []);
        Assert.All(Recorded(), e => Assert.Null(EventMapping.ToUsage(e, empty)));
    }

    [Theory]
    [InlineData("debian:12")]
    [InlineData("debian")]
    [InlineData("docker.io/library/debian:12")]
    [InlineData("mirror.local/debian:12")]
    [InlineData("dc66442e9a3e")]
    [InlineData("sha256:dc66442e9a3eeac74be35699fe107603cefb748ddb3f9aab4841e75e7564b005")]
    public void References_resolve_as_the_cli_would(string reference)
    {
        var resolver = new ImageResolver(
            [new ImageRecord(Debian, "", ["debian:12", "debian:latest", "mirror.local/debian:12"], [], Scene.Now, 1, 0)], []);
        Assert.Equal(Debian, resolver.Resolve(reference));
    }

    [Fact]
    public void A_container_that_still_exists_names_its_image_exactly()
    {
        var resolver = new ImageResolver(
            [new ImageRecord(Debian, "", ["debian:12"], [], Scene.Now, 1, 0), new ImageRecord("sha256:other", "", ["debian:13"], [], Scene.Now, 1, 0)],
            [new ContainerRecord("c1", "job", Debian, "debian:12", ContainerState.Exited, Scene.Now, new Dictionary<string, string>(), 0)]);
        var e = new EngineEvent { Type = "container", Action = "create", Time = 1, Actor = new EventActor { Id = "c1", Attributes = new() { ["image"] = "debian:13" } } };
        Assert.Equal(Debian, EventMapping.ToUsage(e, resolver)!.ImageId);
    }

    [Fact]
    public void A_swarm_task_containers_events_name_its_service()
    {
        // Container events carry the container's labels as attributes: a task that lived only
        // between two snapshots is still known to have run here (issue 12).
        var resolver = new ImageResolver([new ImageRecord(Debian, "", ["debian:12"], [], Scene.Now, 1, 0)], []);
        var e = new EngineEvent
        {
            Type = "container",
            Action = "create",
            Time = 1,
            Actor = new EventActor { Id = "c9", Attributes = new() { ["image"] = "debian:12", ["com.docker.swarm.service.name"] = "batch" } },
        };
        var plain = new EngineEvent { Type = "container", Action = "create", Time = 1, Actor = new EventActor { Id = "c8", Attributes = new() { ["image"] = "debian:12" } } };

        Assert.Equal("batch", EventMapping.ToUsage(e, resolver)!.SwarmService);
        Assert.Null(EventMapping.ToUsage(plain, resolver)!.SwarmService);
    }
}
