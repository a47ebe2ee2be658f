namespace Tidemark.Docker.Registry;

public enum RegistryErrorKind
{
    /// <summary>Connection refused, no such host (DNS), or no answer within the timeout.</summary>
    Unreachable,
    /// <summary>401 after credentials were sent, or 401 when none were given; also a token service that refused.</summary>
    AuthenticationRefused,
    /// <summary>404, MANIFEST_UNKNOWN, NAME_UNKNOWN: the repository, tag or digest is not there.</summary>
    NotFound,
    /// <summary>The TLS handshake failed (untrusted or wrong certificate, a plain-HTTP server on an https URL).</summary>
    Tls,
    /// <summary>429: the registry refuses because a rate limit is used up.</summary>
    TooManyRequests,
    /// <summary>Any other status than the request expects.</summary>
    UnexpectedStatus,
    /// <summary>An answer Tidemark cannot read: bad JSON, a missing field, a digest that does not match, too big.</summary>
    Malformed,
    /// <summary>An index or manifest list that has no manifest for the platform asked for.</summary>
    NoMatchingPlatform,
    /// <summary>The registry's token service is plain HTTP on a host that is neither loopback nor insecure: no credentials are sent there.</summary>
    InsecureTokenService,
}

/// <summary>
/// Why a registry request has no answer. <see cref="Message"/> names the registry and is safe to
/// print: it never holds a secret, a token or an Authorization header.
/// </summary>
public sealed record RegistryError(RegistryErrorKind Kind, string Registry, string Message, int? Status = null)
{
    public override string ToString() => Message;
}

/// <summary>A registry answer or the reason there is none; expected failures are values, not exceptions.</summary>
public sealed class RegistryResult<T>
{
    private readonly T? _value;

    private RegistryResult(T? value, RegistryError? error)
    {
        _value = value;
        Error = error;
    }

    public RegistryError? Error { get; }

    public bool IsOk => Error is null;

    public T Value => IsOk ? _value! : throw new InvalidOperationException($"no value: {Error}");

    public static RegistryResult<T> Ok(T value) => new(value, null);

    public static RegistryResult<T> Fail(RegistryError error) => new(default, error);

    public static implicit operator RegistryResult<T>(RegistryError error) => Fail(error);

    public override string ToString() => IsOk ? $"ok: {_value}" : $"error: {Error}";
}

/// <summary>
/// Credentials for one registry: a username and its password or token. Tidemark only ever sends
/// them to the registry (Basic) or to the token service its challenge names; the secret is never
/// printed, logged or put in a message. (An identity token — username "&lt;token&gt;" in the client
/// configuration — is an OAuth refresh token that this client does not exchange.)
/// </summary>
public sealed record RegistryLogin(string Username, string Secret)
{
    public override string ToString() => $"RegistryLogin {{ Username = {Username}, Secret = (redacted) }}";
}
