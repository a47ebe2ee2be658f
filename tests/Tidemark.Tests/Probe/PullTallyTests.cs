using System.Text.Json;
using Tidemark.Docker.Models;
using Tidemark.Docker.Pull;

namespace Tidemark.Tests.Probe;

public sealed class PullTallyTests
{
    private static PullSummary Fold(params string[] lines)
    {
        var tally = new PullTally();
        foreach (var line in lines)
        {
            tally.Apply(JsonSerializer.Deserialize(line, DockerJsonContext.Default.PullMessage)!);
        }

        return tally.Summary("127.0.0.1:5000/x:1", TimeSpan.FromSeconds(1), null);
    }

    [Fact]
    public void A_cold_pull_counts_every_layer_and_its_blob_size()
    {
        var s = Fold(
            """{"status":"Pulling from x","id":"1"}""",
            """{"status":"Pulling fs layer","progressDetail":{},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Pulling fs layer","progressDetail":{},"id":"bbbbbbbbbbbb"}""",
            """{"status":"Waiting","progressDetail":{},"id":"bbbbbbbbbbbb"}""",
            """{"status":"Downloading","progressDetail":{"current":1000,"total":4000},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Downloading","progressDetail":{"current":3000,"total":4000},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Verifying Checksum","progressDetail":{},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Download complete","progressDetail":{},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Downloading","progressDetail":{"current":100,"total":250},"id":"bbbbbbbbbbbb"}""",
            """{"status":"Download complete","progressDetail":{},"id":"bbbbbbbbbbbb"}""",
            """{"status":"Extracting","progressDetail":{"current":4000,"total":4000},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Pull complete","progressDetail":{},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Pull complete","progressDetail":{},"id":"bbbbbbbbbbbb"}""",
            """{"status":"Digest: sha256:0123"}""",
            """{"status":"Status: Downloaded newer image for 127.0.0.1:5000/x:1"}""");

        Assert.Equal(2, s.LayersDownloaded);
        Assert.Equal(0, s.LayersExisting);
        Assert.Equal(4250, s.BytesDownloaded);
        Assert.False(s.UpToDate);
        Assert.Equal("sha256:0123", s.Digest);
        Assert.Equal(["aaaaaaaaaaaa", "bbbbbbbbbbbb"], s.Layers.Select(l => l.Id));
        Assert.True(s.Succeeded);
    }

    [Fact]
    public void Layers_already_present_count_no_bytes()
    {
        var s = Fold(
            """{"status":"Already exists","progressDetail":{},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Pulling fs layer","progressDetail":{},"id":"bbbbbbbbbbbb"}""",
            """{"status":"Downloading","progressDetail":{"current":10,"total":20},"id":"bbbbbbbbbbbb"}""",
            """{"status":"Pull complete","progressDetail":{},"id":"bbbbbbbbbbbb"}""",
            """{"status":"Status: Downloaded newer image for x"}""");

        Assert.Equal(1, s.LayersExisting);
        Assert.Equal(1, s.LayersDownloaded);
        Assert.Equal(20, s.BytesDownloaded);
    }

    [Fact]
    public void An_up_to_date_pull_downloads_nothing()
    {
        var s = Fold(
            """{"status":"Pulling from x","id":"1"}""",
            """{"status":"Digest: sha256:0123"}""",
            """{"status":"Status: Image is up to date for 127.0.0.1:5000/x:1"}""");

        Assert.True(s.UpToDate);
        Assert.Equal(0, s.LayersDownloaded);
        Assert.Equal(0, s.BytesDownloaded);
        Assert.Empty(s.Layers);
    }

    [Fact]
    public void A_layer_whose_size_was_never_reported_is_counted_apart_not_guessed()
    {
        var s = Fold(
            """{"status":"Pulling fs layer","progressDetail":{},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Download complete","progressDetail":{},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Pull complete","progressDetail":{},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Status: Downloaded newer image for x"}""");

        Assert.Equal(1, s.LayersDownloaded);
        Assert.Equal(1, s.LayersWithoutSize);
        Assert.Equal(0, s.BytesDownloaded);
    }

    [Fact]
    public void A_retried_download_counts_its_blob_once()
    {
        var s = Fold(
            """{"status":"Downloading","progressDetail":{"current":500,"total":1000},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Retrying in 5 seconds","progressDetail":{},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Downloading","progressDetail":{"current":1000,"total":1000},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Pull complete","progressDetail":{},"id":"aaaaaaaaaaaa"}""",
            """{"status":"Status: Downloaded newer image for x"}""");

        Assert.Equal(1000, s.BytesDownloaded);
    }

    [Fact]
    public void A_stage_never_goes_back()
    {
        var tally = new PullTally();
        tally.Apply(new PullMessage { Status = "Download complete", Id = "aaaaaaaaaaaa" });
        var change = tally.Apply(new PullMessage { Status = "Waiting", Id = "aaaaaaaaaaaa" });

        Assert.Null(change);
        Assert.Equal(LayerStage.Downloaded, Assert.Single(tally.Layers).Stage);
    }

    [Fact]
    public void An_error_in_the_stream_is_kept_and_the_pull_not_finished()
    {
        var tally = new PullTally();
        tally.Apply(JsonSerializer.Deserialize("""{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}""", DockerJsonContext.Default.PullMessage)!);

        Assert.Equal("manifest unknown", tally.Error);
        Assert.False(tally.Finished);
    }

    [Fact]
    public void Unknown_statuses_and_messages_without_an_id_change_nothing()
    {
        var tally = new PullTally();
        Assert.Null(tally.Apply(new PullMessage { Status = "Something new", Id = "aaaaaaaaaaaa" }));
        Assert.Null(tally.Apply(new PullMessage { Status = "Downloading" }));
        Assert.Empty(tally.Layers);
    }

    [Theory]
    [InlineData("Head \"http://127.0.0.1:5100/v2/x/manifests/1\": no basic auth credentials", PullFailureKind.AuthRefused)]
    [InlineData("unauthorized: authentication required", PullFailureKind.AuthRefused)]
    [InlineData("manifest for 127.0.0.1:5000/x:2 not found: manifest unknown: manifest unknown", PullFailureKind.NotFound)]
    [InlineData("pull access denied for nothere, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", PullFailureKind.NotFound)]
    [InlineData("Get \"http://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused", PullFailureKind.Unreachable)]
    [InlineData("Get \"https://nowhere.invalid/v2/\": dial tcp: lookup nowhere.invalid: no such host", PullFailureKind.Unreachable)]
    [InlineData("failed to register layer: something odd", PullFailureKind.Other)]
    public void Daemon_errors_are_sorted_by_what_the_operator_must_do(string message, PullFailureKind expected) =>
        Assert.Equal(expected, PullFailure.Classify(message));
}
