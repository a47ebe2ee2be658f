using Tidemark.Fixtures;

// Entry point for scripts/demo, against $DOCKER_HOST:
//   load-scene NAME              docker load the scene's images
//   stage-in-registry NAME REG   load each image, push it to REG, then delete it locally, so a
//                                later `docker pull` fetches it the way a CI host would
const string Usage = "usage: fixtures load-scene NAME | stage-in-registry NAME REGISTRY   (scenes: {0})";
if (args.Length < 2 || (args[0] == "stage-in-registry" && args.Length < 3))
{
    Console.Error.WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, Usage, string.Join(", ", Scenes.Names)));
    return 64;
}

using var docker = FixtureDocker.FromEnvironment();
var images = Scenes.Get(args[1], DateTimeOffset.UtcNow);
switch (args[0])
{
    case "load-scene":
        // One image per archive: the daemon unpacks an archive whole before it keeps any of it,
        // so small archives need little spare room on a small data root. Tiny images go in batches.
        foreach (var batch in images.Chunk(images.Count > 100 ? 100 : 1))
        {
            await docker.LoadAsync(batch);
        }

        Console.WriteLine($"loaded {images.Count} images ({images.Count(i => i.Tags.Count == 0)} dangling)");
        return 0;
    case "stage-in-registry":
        foreach (var image in images)
        {
            await docker.LoadAsync([image]);
            foreach (var tag in image.Tags)
            {
                var remote = $"{args[2]}/{tag}";
                docker.Cli("tag", tag, remote);
                docker.Cli("push", remote);
                docker.Cli("rmi", tag, remote);
            }
        }

        Console.WriteLine($"pushed {images.Count} images to {args[2]}");
        return 0;
    default:
        Console.Error.WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, Usage, string.Join(", ", Scenes.Names)));
        return 64;
}
