using System.Globalization;
using Tidemark.Core.Text;
using Tidemark.Docker.Registry;

namespace Tidemark.Cli.Doctor;

/// <summary>
/// The doctor's rate-limit line (`--registry-check IMAGE`): what a HEAD of the image's manifest
/// says about the registry's pull limit. A HEAD does not count as a pull on registries that limit
/// pulls, so asking costs nothing.
/// <list type="bullet">
/// <item>ok: "127.0.0.1:5500 library/x:1 — limit 100 per 6h, 76 remaining", or "… — no pull limit reported" without the headers;</item>
/// <item>warn: fewer than <see cref="WarnBelow"/> of the limit remaining, or headers that cannot be read;</item>
/// <item>fail: nothing remaining, or no answer: unreachable, authentication refused, not found, too many requests, TLS…</item>
/// </list>
/// </summary>
public static class RateLimitCheck
{
    public const string Area = "rate-limit";

    /// <summary>Warn when fewer than this share of the limit remains.</summary>
    public const double WarnBelow = 0.10;

    public static CheckResult Evaluate(ImageName image, RegistryResult<ManifestHead> head)
    {
        var subject = $"{image.Registry} {image.PathAndReference}";
        if (!head.IsOk)
        {
            return Failed(image, subject, head.Error!);
        }

        var answer = head.Value;
        var facts = new Dictionary<string, object?>
        {
            ["registry"] = image.Registry,
            ["image"] = image.PathAndReference,
            ["digest"] = answer.Digest,
            ["authenticated_as"] = answer.Username,
        };
        var who = answer.Username is null ? "anonymous" : $"as {Printable.Escape(answer.Username)}";
        if (answer.RateLimitProblem is { } problem)
        {
            return CheckResult.Warn(Area, $"{subject} — {problem}",
                $"the registry sent rate-limit headers Tidemark cannot read; check its limits with the registry's operator", facts);
        }

        if (answer.RateLimit is not { } limit)
        {
            facts["limit"] = null;
            return CheckResult.Ok(Area, $"{subject} — no pull limit reported", facts);
        }

        facts["limit"] = limit.Limit;
        facts["remaining"] = limit.Remaining;
        facts["window_seconds"] = limit.Window is { } w ? (long)w.TotalSeconds : null;
        facts["source"] = limit.Source;

        var per = limit.Window is { } window ? " per " + RateLimit.FormatWindow(window) : "";
        var evidence = (limit.Limit, limit.Remaining) switch
        {
            ({ } l, { } r) => $"limit {N(l)}{per}, {N(r)} remaining",
            ({ } l, null) => $"limit {N(l)}{per}, remaining not reported",
            (null, { } r) => $"{N(r)} remaining{per}, limit not reported",
            _ => "limit not reported",
        };
        var line = $"{subject} — {evidence}";
        var credentials = answer.Username is null
            ? $"; pulls are anonymous: credentials for {image.Registry} in the Docker client configuration get a higher limit"
            : "";

        if (limit.Remaining == 0)
        {
            return CheckResult.Fail(Area, line,
                $"pulls from {image.Registry} ({who}) will be refused until the window resets{credentials}; a registry mirror or a retained cache avoids the pulls", facts);
        }

        if (limit.Remaining is { } left && limit.Limit is { } max && max > 0 && left < max * WarnBelow)
        {
            return CheckResult.Warn(Area, line,
                $"fewer than {WarnBelow * 100:0} % of the pulls ({who}) are left in this window{credentials}", facts);
        }

        return CheckResult.Ok(Area, line, facts);
    }

    private static CheckResult Failed(ImageName image, string subject, RegistryError error)
    {
        var facts = new Dictionary<string, object?>
        {
            ["registry"] = image.Registry,
            ["image"] = image.PathAndReference,
            ["error"] = error.Kind.ToString(),
            ["status"] = error.Status,
        };
        var remedy = error.Kind switch
        {
            RegistryErrorKind.Unreachable =>
                $"check the address {image.Registry}, that the registry is up and that this host can reach it",
            RegistryErrorKind.AuthenticationRefused =>
                $"check the credentials for {image.Registry} in the Docker client configuration (docker login {image.Registry})",
            RegistryErrorKind.NotFound =>
                $"name an image that exists on {image.Registry}: the check reads the headers of its manifest",
            RegistryErrorKind.TooManyRequests =>
                $"the pull limit of {image.Registry} is used up: wait for the window to reset, or pull with credentials",
            RegistryErrorKind.Tls =>
                $"the TLS connection to {image.Registry} failed: check its certificate is trusted, or that the daemon lists it as an insecure registry",
            RegistryErrorKind.InsecureTokenService =>
                $"the token service of {image.Registry} is plain http: fix the registry's auth configuration",
            _ => $"the registry {image.Registry} answered something unexpected: check it is a registry (distribution API v2)",
        };
        var prefix = $"registry {image.Registry}: ";
        var why = error.Message.StartsWith(prefix, StringComparison.Ordinal) ? error.Message[prefix.Length..] : error.Message;
        return CheckResult.Fail(Area, $"{subject} — {why}", remedy, facts);
    }

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);
}
