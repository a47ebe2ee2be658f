namespace Tidemark.Docker.Pull;

public enum PullFailureKind
{
    /// <summary>The registry has no such repository, tag or digest.</summary>
    NotFound,

    /// <summary>The registry wants credentials, or refused the ones sent.</summary>
    AuthRefused,

    /// <summary>The registry could not be reached (refused, no such host, timed out, TLS).</summary>
    Unreachable,

    /// <summary>The Docker daemon itself was lost or refused the request.</summary>
    Daemon,

    Other,
}

/// <summary>A failed pull, sorted by what the operator has to do about it, with the daemon's words.</summary>
public sealed partial record PullFailure(PullFailureKind Kind, string Message)
{
    /// <summary>
    /// Sorts the daemon's error text. The daemon passes registry answers through as text, so this
    /// reads the phrases distribution and dockerd use; anything else stays <see cref="PullFailureKind.Other"/>.
    /// </summary>
    public static PullFailureKind Classify(string message, string? reference = null)
    {
        // Only the daemon's words count, not the names it quotes: a tag "v401" or a repository
        // "geoffrey" must not read as an authentication or connection failure.
        var m = Quoted().Replace(reference is { Length: > 0 } r ? message.Replace(r, " ", StringComparison.Ordinal) : message, " ").ToLowerInvariant();
        if (Has(m, "unauthorized", "authentication required", "no basic auth credentials", "denied: ", "access denied", "incorrect username or password")
            || Word(m, "401"))
        {
            // "pull access denied … does not exist or may require 'docker login'" is how a public
            // registry hides a missing repository: it stays ambiguous, and the message says so.
            return Has(m, "does not exist") ? PullFailureKind.NotFound : PullFailureKind.AuthRefused;
        }

        if (Has(m, "manifest unknown", "name unknown", "not found", "does not exist", "no such image"))
        {
            return PullFailureKind.NotFound;
        }

        if (Has(m, "connection refused", "no such host", "i/o timeout", "dial tcp", "network is unreachable",
                "server gave http response to https client", "x509", "connection reset", "tls: ", "tls handshake")
            || Word(m, "timeout") || Word(m, "eof"))
        {
            return PullFailureKind.Unreachable;
        }

        return PullFailureKind.Other;
    }

    private static bool Word(string text, string word) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, $@"\b{word}\b", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));

    /// <summary>A quoted URL or name: `Head "http://host/v2/x/manifests/v401"`.</summary>
    [System.Text.RegularExpressions.GeneratedRegex("\"[^\"]*\"")]
    private static partial System.Text.RegularExpressions.Regex Quoted();

    private static bool Has(string text, params string[] phrases) => phrases.Any(p => text.Contains(p, StringComparison.Ordinal));
}
