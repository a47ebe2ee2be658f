using System.Text.Json.Serialization;

namespace Tidemark.Simulation.Traces;

/// <summary>The JSON Lines shape of a trace line (docs/traces.md).</summary>
public sealed class TraceLine
{
    [JsonPropertyName("time")]
    public DateTimeOffset? Time { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("ref")]
    public string? Ref { get; set; }

    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("created")]
    public DateTimeOffset? Created { get; set; }

    [JsonPropertyName("layers")]
    public List<TraceLayerLine>? Layers { get; set; }

    [JsonPropertyName("run")]
    public string? Run { get; set; }

    [JsonPropertyName("stack")]
    public string? Stack { get; set; }

    /// <summary>Only on the optional first line, kind "meta".</summary>
    [JsonPropertyName("disk")]
    public long? Disk { get; set; }

    [JsonPropertyName("description")]
    public string? Description { get; set; }
}

public sealed class TraceLayerLine
{
    [JsonPropertyName("digest")]
    public string? Digest { get; set; }

    [JsonPropertyName("compressed")]
    public long? Compressed { get; set; }

    [JsonPropertyName("size")]
    public long? Size { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TraceLine))]
public sealed partial class TraceJsonContext : JsonSerializerContext
{
}
