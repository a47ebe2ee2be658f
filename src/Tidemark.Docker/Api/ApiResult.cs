namespace Tidemark.Docker.Api;

public enum ApiErrorKind
{
    /// <summary>404: the object is gone (for a removal, someone else already removed it).</summary>
    NotFound,
    /// <summary>409: the daemon refused, e.g. an image is in use. A skip, not a failure.</summary>
    Conflict,
    /// <summary>The socket could not be reached.</summary>
    Unreachable,
    Timeout,
    /// <summary>Any other HTTP error from the daemon.</summary>
    DaemonError,
    /// <summary>The daemon answered something Tidemark could not read.</summary>
    BadResponse,
    /// <summary>The daemon's API is older than Tidemark supports.</summary>
    Unsupported,
    /// <summary>The data root's file system could not be measured from here (not a local path).</summary>
    DiskUnreadable,
}

/// <param name="DaemonMessage">The daemon's own words, without the request Tidemark made (for an operator-facing line).</param>
public sealed record ApiError(ApiErrorKind Kind, string Message, int? StatusCode = null, string? DaemonMessage = null)
{
    public override string ToString() => Message;
}

/// <summary>A daemon answer or the reason there is none; expected failures are values, not exceptions.</summary>
public sealed class ApiResult<T>
{
    private readonly T? _value;

    private ApiResult(T? value, ApiError? error)
    {
        _value = value;
        Error = error;
    }

    public ApiError? Error { get; }

    public bool IsOk => Error is null;

    public T Value => IsOk ? _value! : throw new InvalidOperationException($"no value: {Error}");

    public static ApiResult<T> Ok(T value) => new(value, null);

    public static ApiResult<T> Fail(ApiError error) => new(default, error);

    public static implicit operator ApiResult<T>(ApiError error) => Fail(error);
}
