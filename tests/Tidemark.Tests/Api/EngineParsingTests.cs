using Tidemark.Core.Inventory;
using Tidemark.Docker;
using Tidemark.Docker.Api;
using Tidemark.Docker.Models;

namespace Tidemark.Tests.Api;

/// <summary>Parsing of answers recorded from the sandbox's engine 20.10 (API 1.41).</summary>
public sealed class EngineParsingTests
{
    private static readonly DockerJsonContext Json = DockerJsonContext.Default;

    [Fact]
    public void Info_gives_data_root_and_swarm_manager_role()
    {
        var info = RecordedResponses.Load("api-1.41/info.json", Json.SystemInfo);
        Assert.Equal("/var/tmp/tidemark-sandbox/data", info.DockerRootDir);
        Assert.Equal("active", info.Swarm!.LocalNodeState);
        Assert.True(info.Swarm.ControlAvailable);
    }

    [Fact]
    public void Containers_map_names_states_and_labels()
    {
        var listed = RecordedResponses.Load("api-1.41/containers_json_all_1.json", Json.ListContainerSummary);
        var containers = EngineMapping.Containers(listed, []);

        var stopped = containers.Single(c => c.Name == "stopped-job");
        Assert.Equal(ContainerState.Created, stopped.State);
        Assert.True(stopped.IsStopped);
        Assert.StartsWith("sha256:", stopped.ImageId);

        var runner = containers.Single(c => c.Name == "runner-1");
        Assert.True(runner.IsLive);
        Assert.Equal("1", runner.Labels["tidemark.busy"]);

        var task = containers.Single(c => c.Labels.ContainsKey("com.docker.swarm.service.name"));
        Assert.Equal("web", task.Labels["com.docker.swarm.service.name"]);
        Assert.True(task.IsLive);
    }

    [Theory]
    [InlineData("Up 3 seconds (health: starting)", ContainerHealth.Starting)]
    [InlineData("Up 2 minutes (healthy)", ContainerHealth.Healthy)]
    [InlineData("Up 2 minutes (unhealthy)", ContainerHealth.Unhealthy)]
    [InlineData("Up 2 minutes", ContainerHealth.None)]
    [InlineData(null, ContainerHealth.None)]
    public void A_containers_health_is_read_from_the_lists_status_line(string? status, ContainerHealth expected)
    {
        // API 1.41 lists no health field: the status line is the only place it shows.
        var listed = new ContainerSummary { Id = "c1", State = "running", Status = status };
        Assert.Equal(expected, EngineMapping.Containers([listed], []).Single().Health);
    }

    [Fact]
    public void Images_keep_untagged_ones_without_placeholder_references()
    {
        var listed = RecordedResponses.Load("api-1.41/images_json_all_1.json", Json.ListImageSummary);
        var images = EngineMapping.Images(listed, []);

        Assert.Equal(4, images.Count(i => i.IsUntagged));
        Assert.All(images, i => Assert.DoesNotContain(i.References, r => r.Contains("<none>")));
        var node = images.Single(i => i.RepoTags.Contains("node:20"));
        // The fixture dated it 30 days before the recording (2026-11-30).
        Assert.Equal(new DateTime(2026, 10, 31), node.Created.UtcDateTime.Date);
        Assert.True(node.Size > 170_000_000);
    }

    [Fact]
    public void Services_map_modes_replicas_and_task_counts()
    {
        var services = RecordedResponses.Load("api-1.41/services_status_1.json", Json.ListSwarmService)
            .Select(EngineMapping.Service).ToList();

        var web = services.Single(s => s.Name == "web");
        Assert.Equal(ServiceMode.Replicated, web.Mode);
        Assert.Equal(1, web.Replicas);
        Assert.Equal(1, web.RunningTasks);
        Assert.Equal(1, web.DesiredTasks);
        Assert.Equal("ab12-0f3a9c_ci_demo", web.Stack);
        Assert.Equal("alpine:3.19", web.Image);

        var scaled = services.Single(s => s.Name == "idle-scaled");
        Assert.Equal(0, scaled.Replicas);
        Assert.False(scaled.WantsTasks);
    }

    [Theory]
    [InlineData("api-1.41/system_df_verbose_1.json")]
    [InlineData("api-1.52/system_df_verbose_1.json")]
    public void Disk_usage_reads_both_shapes_alike(string file)
    {
        var df = RecordedResponses.Load(file, Json.DiskUsageResponse);

        Assert.Equal(12, df.AllImages.Count);
        Assert.Contains(df.AllImages, i => i.SharedSize > 0);
        Assert.Contains(df.AllContainers, c => c.Names!.Contains("/stopped-job"));
        // The one record left after a prune: shared with the image it built, so a prune keeps it.
        var shared = Assert.Single(df.AllBuildCache);
        Assert.True(shared.Shared);
        Assert.Equal(3_000_000, shared.Size);
        Assert.Equal("regular", shared.Type);
        Assert.NotNull(shared.LastUsedAt);
    }

    [Fact]
    public void Shared_sizes_from_df_join_the_image_list()
    {
        var listed = RecordedResponses.Load("api-1.41/images_json_all_1.json", Json.ListImageSummary);
        var df = RecordedResponses.Load("api-1.41/system_df_verbose_1.json", Json.DiskUsageResponse);
        var images = EngineMapping.Images(listed, df.AllImages);

        var web = images.Single(i => i.RepoTags.Contains("ci/web:1.4"));
        Assert.True(web.SharedSize > 0);
        // Only the 20 MB app layer is unique to ci/web:1.4; the node and debian bases are shared.
        Assert.InRange(web.UniqueSize, 19_000_000, 21_000_000);
    }

    [Fact]
    public void Daemon_error_bodies_give_their_message()
    {
        Assert.Equal("conflict: unable to delete 4128f809b069 (must be forced)",
            EngineJson.ErrorMessage("{\"message\":\"conflict: unable to delete 4128f809b069 (must be forced)\"}\n"));
        Assert.Equal("page not found", EngineJson.ErrorMessage("page not found\n"));
    }

    [Fact]
    public void Unreadable_json_is_a_bad_response_not_an_exception()
    {
        var parsed = EngineJson.Parse("{\"Images\": 3"u8, Json.DiskUsageResponse, "GET /system/df");
        Assert.False(parsed.IsOk);
        Assert.Equal(ApiErrorKind.BadResponse, parsed.Error!.Kind);
        Assert.Contains("GET /system/df", parsed.Error.Message);
    }
}
