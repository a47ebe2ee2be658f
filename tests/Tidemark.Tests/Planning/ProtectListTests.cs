using System.Diagnostics;
using CsCheck;
using Tidemark.Core.Inventory;
using Tidemark.Core.Planning;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Planning;

/// <summary>Issue 7, defects 8 and 12: globs in linear time; ID patterns; globs that can never match are said.</summary>
public sealed class ProtectListTests
{
    private static ImageRecord Tagged(string tag, string id = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef") =>
        new(id, "", [tag], [], Scene.Now, 1, 0);

    [Fact]
    public void A_pathological_glob_against_a_long_tag_answers_at_once()
    {
        var image = Tagged("registry.example/app:" + new string('a', 120));
        var clock = Stopwatch.StartNew();
        Assert.Null(new ProtectList(["*a*a*a*a*a*a*a*a*a*a*a*b"]).Match(image));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("*", "x", true)]
    [InlineData("", "", true)]
    [InlineData("", "x", false)]
    [InlineData("a?c", "abc", true)]
    [InlineData("a?c", "ac", false)]
    [InlineData("a*c", "ac", true)]
    [InlineData("a*c", "abbbc", true)]
    [InlineData("a*c", "abbbcd", false)]
    [InlineData("*:16", "postgres:16", true)]
    [InlineData("**b", "aab", true)]
    [InlineData("*a*b", "abab", true)]
    public void Globs_match_as_documented(string glob, string text, bool expected) =>
        Assert.Equal(expected, ProtectList.GlobMatches(glob, text));

    [Fact]
    public void The_glob_matcher_agrees_with_a_regex_on_random_input()
    {
        var alphabet = Gen.Char["ab*?"];
        Gen.Select(alphabet.Array[0, 8], Gen.Char["ab"].Array[0, 12]).Sample((pattern, text) =>
        {
            var glob = new string(pattern);
            var regex = "^" + string.Concat(glob.Select(c => c switch { '*' => ".*", '?' => ".", _ => c.ToString() })) + "$";
            Assert.Equal(System.Text.RegularExpressions.Regex.IsMatch(new string(text), regex), ProtectList.GlobMatches(glob, new string(text)));
        }, iter: 10_000);
    }

    [Fact]
    public void An_image_id_or_a_prefix_of_12_hex_digits_protects_the_image()
    {
        var image = Tagged("app:1");
        Assert.NotNull(new ProtectList(["sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]).Match(image));
        Assert.NotNull(new ProtectList(["sha256:0123456789ab"]).Match(image));
        Assert.NotNull(new ProtectList(["0123456789ab"]).Match(image));
        Assert.NotNull(new ProtectList(["sha256:0123*"]).Match(image));
        Assert.Null(new ProtectList(["sha256:0123456789ac"]).Match(image));
    }

    [Theory]
    [InlineData("postgres", "did you mean 'postgres:*'")]
    [InlineData("PROT/*", "capitals in a repository name")]
    [InlineData("Postgres:16", "capitals in a repository name")]
    [InlineData("sha256:xyz", "neither a reference nor an image ID")]
    [InlineData("sha256:0123", "too short an ID prefix")]
    public void Globs_that_can_never_match_are_said(string glob, string expected) =>
        Assert.Contains(expected, ProtectList.WhyNeverMatches(glob));

    [Theory]
    [InlineData("postgres:*")]
    [InlineData("*/vendor/keep@*")]
    [InlineData("Registry.Example.com/app:*")]
    [InlineData("app:Latest")]
    [InlineData("*")]
    [InlineData("sha256:0123456789ab")]
    [InlineData("0123456789abcdef")]
    public void Globs_that_can_match_are_not_warned_about(string glob) =>
        Assert.Null(ProtectList.WhyNeverMatches(glob));
}
