using System.Text.Json.Serialization;

namespace Tidemark.Docker.Models;

[JsonSourceGenerationOptions(
    PropertyNameCaseInsensitive = true,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SystemInfo))]
[JsonSerializable(typeof(List<ContainerSummary>))]
[JsonSerializable(typeof(List<ImageSummary>))]
[JsonSerializable(typeof(ImageInspect))]
[JsonSerializable(typeof(List<ImageHistoryItem>))]
[JsonSerializable(typeof(DiskUsageResponse))]
[JsonSerializable(typeof(List<SwarmService>))]
[JsonSerializable(typeof(List<SwarmTask>))]
[JsonSerializable(typeof(ContainerPruneResponse))]
[JsonSerializable(typeof(ImagePruneResponse))]
[JsonSerializable(typeof(BuildPruneResponse))]
[JsonSerializable(typeof(List<ImageDeleteItem>))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(EngineEvent))]
[JsonSerializable(typeof(Dictionary<string, List<string>>))]
[JsonSerializable(typeof(PullMessage))]
[JsonSerializable(typeof(CreatedObject))]
[JsonSerializable(typeof(ProbeServiceSpec))]
[JsonSerializable(typeof(ProbeContainerConfig))]
public sealed partial class DockerJsonContext : JsonSerializerContext
{
}
