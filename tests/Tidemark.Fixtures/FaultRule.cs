using System.Text.RegularExpressions;

namespace Tidemark.Fixtures;

public enum FaultKind
{
    Status,
    Close,
    ForwardThenClose,
    Garbage,
    Truncated,
    Body,
    Delay,
}

/// <summary>What <see cref="FaultProxy"/> does to a request a rule matched instead of plain forwarding.</summary>
public sealed record Fault
{
    private Fault(FaultKind kind) => Kind = kind;

    public FaultKind Kind { get; }

    /// <summary>The status answered (<see cref="FaultKind.Status"/>; 200 for the others that answer).</summary>
    public int Code { get; private init; } = 200;

    /// <summary>The body answered (<see cref="FaultKind.Status"/>, <see cref="FaultKind.Body"/>).</summary>
    public string? Content { get; private init; }

    /// <summary>Whether the daemon gets the request first (<see cref="FaultKind.Body"/>).</summary>
    public bool Forward { get; private init; }

    public TimeSpan Wait { get; private init; }

    /// <summary>This status and JSON body, without forwarding: the daemon does nothing.</summary>
    public static Fault Status(int code, string body) => new(FaultKind.Status) { Code = code, Content = body };

    /// <summary>Reads the request, then closes the connection without an answer; not forwarded.</summary>
    public static Fault Close { get; } = new(FaultKind.Close);

    /// <summary>The daemon acts and answers in full, then the client's connection closes unanswered.</summary>
    public static Fault ForwardThenClose { get; } = new(FaultKind.ForwardThenClose) { Forward = true };

    /// <summary>200 with a body that is not JSON; not forwarded.</summary>
    public static Fault Garbage { get; } = new(FaultKind.Garbage);

    /// <summary>Forwarded; 200 with the first half of the daemon's body (and a length that says so).</summary>
    public static Fault Truncated { get; } = new(FaultKind.Truncated) { Forward = true };

    /// <summary>200 with this body (wrong-shaped JSON); with <paramref name="forward"/> the daemon acts first.</summary>
    public static Fault Body(string json, bool forward) => new(FaultKind.Body) { Content = json, Forward = forward };

    /// <summary>Waits, then forwards normally.</summary>
    public static Fault Delay(TimeSpan wait) => new(FaultKind.Delay) { Forward = true, Wait = wait };

    public override string ToString() => Kind switch
    {
        FaultKind.Status => $"Status({Code}, {Content})",
        FaultKind.Body => $"Body({Content}, forward: {Forward})",
        FaultKind.Delay => $"Delay({Wait})",
        _ => Kind.ToString(),
    };
}

/// <summary>
/// Which requests get a fault: <see cref="Method"/> (null for any) and <see cref="Path"/>, matched
/// against the path without its "/v1.NN" prefix and query (e.g. <c>^/images/[^/]+$</c>). The first
/// <see cref="Skip"/> matches go through untouched; the fault applies to at most
/// <see cref="Times"/> after them (null: every one).
/// </summary>
/// <remarks>
/// Image names may hold slashes (<c>DELETE /images/registry.local/ci/web:1.5</c>): to catch every
/// image removal, match <c>^/images/</c> with Method DELETE rather than <c>^/images/[^/]+$</c>.
/// </remarks>
public sealed class FaultRule(Fault fault)
{
    private static readonly Regex AnyPath = new("", RegexOptions.None, TimeSpan.FromSeconds(1));
    private int _matched;

    public Fault Fault { get; } = fault;

    public string? Method { get; init; }

    public Regex Path { get; init; } = AnyPath;

    public int Skip { get; init; }

    public int? Times { get; init; }

    /// <summary>How many requests this rule has taken, skipped ones included.</summary>
    public int Matched => Volatile.Read(ref _matched);

    /// <summary>
    /// Called under the proxy's lock. Takes the request when it matches and uses are left: true with the fault, or true with null
    /// while skipping (the request is then forwarded untouched and no later rule is asked).
    /// </summary>
    internal bool TryTake(string method, string path, out Fault? fault)
    {
        fault = null;
        if ((Method is not null && !Method.Equals(method, StringComparison.OrdinalIgnoreCase)) || !Path.IsMatch(path))
        {
            return false;
        }

        if (Times is { } times && _matched >= Skip + times)
        {
            return false;
        }

        fault = _matched < Skip ? null : Fault;
        Interlocked.Increment(ref _matched);
        return true;
    }
}

/// <summary>
/// One request the proxy saw: <paramref name="Path"/> is the target as sent (version prefix and
/// query included); <paramref name="Status"/> is what the client was answered, null when its
/// connection was closed instead; <paramref name="Connection"/> numbers client connections from 1.
/// </summary>
public sealed record ProxyCall(DateTimeOffset Time, int Connection, string Method, string Path, int? Status, Fault? Fault);
