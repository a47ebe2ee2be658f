using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Tidemark.Docker.Models;

namespace Tidemark.Docker.Api;

/// <summary>Reading daemon bodies: kept apart from the transport so recorded responses can be unit-tested.</summary>
public static class EngineJson
{
    /// <param name="shape">Checks the parsed value (<see cref="EngineShape"/>); null means any value will do.</param>
    public static ApiResult<T> Parse<T>(ReadOnlySpan<byte> body, JsonTypeInfo<T> type, string what, Func<T, string?>? shape = null)
    {
        try
        {
            var value = JsonSerializer.Deserialize(body, type);
            if (value is null)
            {
                return new ApiError(ApiErrorKind.BadResponse, $"{what}: the daemon answered null");
            }

            return shape?.Invoke(value) is { } problem
                ? new ApiError(ApiErrorKind.BadResponse, $"{what}: the daemon's answer is not of the Engine API's shape ({problem})")
                : ApiResult<T>.Ok(value);
        }
        catch (JsonException e)
        {
            return new ApiError(ApiErrorKind.BadResponse, $"{what}: unreadable answer from the daemon: {Core.Text.JsonMessages.Describe(e)}");
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
