using System.Globalization;
using Tidemark.Fixtures;

// A small entry point for scripts/demo: `load-scene NAME` loads a named scene into $DOCKER_HOST.
if (args.Length < 2 || args[0] != "load-scene")
{
    Console.Error.WriteLine($"usage: fixtures load-scene ({string.Join('|', Scenes.Names)})");
    return 64;
}

using var docker = FixtureDocker.FromEnvironment();
var images = Scenes.Get(args[1], DateTimeOffset.UtcNow);
var ids = await docker.LoadAsync(images);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loaded {ids.Count} images ({images.Count(i => i.Tags.Count == 0)} dangling)"));
return 0;
