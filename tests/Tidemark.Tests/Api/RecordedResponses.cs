using System.Text.Json.Serialization.Metadata;
using Tidemark.Docker.Api;

namespace Tidemark.Tests.Api;

internal static class RecordedResponses
{
    public static T Load<T>(string relative, JsonTypeInfo<T> type)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Recorded", relative);
        var parsed = EngineJson.Parse(File.ReadAllBytes(path), type, relative);
        Assert.True(parsed.IsOk, parsed.Error?.Message);
        return parsed.Value;
    }
}
