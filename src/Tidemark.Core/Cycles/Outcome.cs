namespace Tidemark.Core.Cycles;

/// <summary>A host's answer or why there is none: the host decides what its errors are.</summary>
public readonly record struct Outcome<T, TError>(T? Value, TError? Error)
    where TError : class
{
    public bool IsOk => Error is null;

    public static Outcome<T, TError> Ok(T value) => new(value, null);

    public static Outcome<T, TError> Fail(TError error) => new(default, error);
}
