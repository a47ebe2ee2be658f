using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Tidemark.Docker.Models;

namespace Tidemark.Docker.Api;

/// <summary>Reading daemon bodies: kept apart from the transport so recorded responses can be unit-tested.</summary>
public static class EngineJson
{
    public static ApiResult<T> Parse<T>(ReadOnlySpan<byte> body, JsonTypeInfo<T> type, string what)
    {
        try
        {
            var value = JsonSerializer.Deserialize(body, type);
            return value is null
                ? new ApiError(ApiErrorKind.BadResponse, $"{what}: the daemon answered null")
                : ApiResult<T>.Ok(value);
        }
        catch (JsonException e)
        {
            return new ApiError(ApiErrorKind.BadResponse, $"{what}: unreadable answer from the daemon: {e.Message}");
        }
    }

    /// <summary>The daemon's {"message": "..."} error text, or the raw body when it is not JSON.</summary>
    public static string ErrorMessage(string body)
    {
        try
        {
            var parsed = JsonSerializer.Deserialize(body, DockerJsonContext.Default.ErrorResponse);
            if (!string.IsNullOrWhiteSpace(parsed?.Message))
            {
                return parsed.Message.Trim();
            }
        }
        catch (JsonException)
        {
        }

        return body.Trim();
    }
}
