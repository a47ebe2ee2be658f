using System.Text.RegularExpressions;
using Tidemark.Core.Configuration;

namespace Tidemark.Core.Gates;

/// <summary>
/// The compiled "busy" selectors of the idle gate: what marks a container, service or stack as
/// part of a CI run or deploy.
/// </summary>
public sealed class BusySelector
{
    /// <summary>A selector is a few characters matched against a name: a second is pathological.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private BusySelector(
        IReadOnlyList<Regex> stacks,
        IReadOnlyList<Regex> services,
        IReadOnlyList<Regex> containers,
        IReadOnlyList<LabelSelector> labels)
    {
        Stacks = stacks;
        Services = services;
        Containers = containers;
        Labels = labels;
    }

    public IReadOnlyList<Regex> Stacks { get; }
    public IReadOnlyList<Regex> Services { get; }
    public IReadOnlyList<Regex> Containers { get; }
    public IReadOnlyList<LabelSelector> Labels { get; }

    public bool IsEmpty => Stacks.Count + Services.Count + Containers.Count + Labels.Count == 0;

    /// <summary>Compiles the selectors; bad patterns are the config loader's to report, so they throw here.</summary>
    public static BusySelector Create(BusySettings settings) => new(
        settings.StackPatterns.Select(Compile).ToArray(),
        settings.ServicePatterns.Select(Compile).ToArray(),
        settings.ContainerPatterns.Select(Compile).ToArray(),
        settings.Labels.Select(LabelSelector.Parse).ToArray());

    /// <summary>Checks a pattern without throwing; the error is the regex engine's own words.</summary>
    public static bool TryValidatePattern(string pattern, out string error)
    {
        try
        {
            _ = Compile(pattern);
            error = "";
            return true;
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// The first pattern that matches, or null. A pattern that runs past its time limit on this
    /// value is returned as timed out: the gate then cannot tell, and fails closed.
    /// </summary>
    public static SelectorMatch? FirstMatch(IReadOnlyList<Regex> patterns, string? value)
    {
        if (value is null)
        {
            return null;
        }

        foreach (var p in patterns)
        {
            try
            {
                if (p.IsMatch(value))
                {
                    return new SelectorMatch(p.ToString(), TimedOut: false);
                }
            }
            catch (RegexMatchTimeoutException)
            {
                return new SelectorMatch(p.ToString(), TimedOut: true);
            }
        }

        return null;
    }

    public LabelSelector? FirstLabelMatch(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var l in Labels)
        {
            if (l.Matches(labels))
            {
                return l;
            }
        }

        return null;
    }

    private static Regex Compile(string pattern) =>
        new(pattern, RegexOptions.CultureInvariant, MatchTimeout);
}

/// <param name="TimedOut">The pattern ran past <see cref="BusySelector.MatchTimeout"/>: whether it matches is unknown.</param>
public sealed record SelectorMatch(string Pattern, bool TimedOut);

/// <summary>"key" (present with any value) or "key=value".</summary>
public sealed record LabelSelector(string Key, string? Value)
{
    public static LabelSelector Parse(string text)
    {
        var eq = text.IndexOf('=');
        return eq < 0 ? new LabelSelector(text, null) : new LabelSelector(text[..eq], text[(eq + 1)..]);
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        labels.TryGetValue(Key, out var v) && (Value is null || v == Value);

    public override string ToString() => Value is null ? Key : $"{Key}={Value}";
}
