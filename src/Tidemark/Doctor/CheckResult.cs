namespace Tidemark.Cli.Doctor;

public enum CheckStatus
{
    Ok,
    Warn,
    Fail,
}

/// <summary>
/// One line of the doctor's checklist: a verdict, the evidence for it and, when it is not ok,
/// what to do. <paramref name="Area"/> groups lines (daemon, disk, credentials, pruners…).
/// Nothing secret is ever put in a result: it is printed as it is.
/// </summary>
/// <param name="Facts">Machine-readable evidence for --json (names to strings or numbers).</param>
public sealed record CheckResult(
    string Area,
    CheckStatus Status,
    string Evidence,
    string? Remedy = null,
    IReadOnlyDictionary<string, object?>? Facts = null)
{
    public static CheckResult Ok(string area, string evidence, IReadOnlyDictionary<string, object?>? facts = null) =>
        new(area, CheckStatus.Ok, evidence, null, facts);

    public static CheckResult Warn(string area, string evidence, string remedy, IReadOnlyDictionary<string, object?>? facts = null) =>
        new(area, CheckStatus.Warn, evidence, remedy, facts);

    public static CheckResult Fail(string area, string evidence, string remedy, IReadOnlyDictionary<string, object?>? facts = null) =>
        new(area, CheckStatus.Fail, evidence, remedy, facts);
}
