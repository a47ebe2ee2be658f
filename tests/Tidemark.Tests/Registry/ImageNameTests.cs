using Tidemark.Docker.Registry;

namespace Tidemark.Tests.Registry;

/// <summary>Issue 10: image references split as the Docker CLI splits them; the default registry is a parameter.</summary>
public sealed class ImageNameTests
{
    private const string Default = "127.0.0.1:5000";
    private const string Hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static ImageName Parse(string text)
    {
        Assert.True(ImageName.TryParse(text, Default, out var name, out var error), error);
        return name;
    }

    private static string Reject(string text)
    {
        Assert.False(ImageName.TryParse(text, Default, out var name, out var error), $"accepted '{text}' as {name}");
        Assert.Null(name);
        Assert.DoesNotContain('\n', error);
        return error;
    }

    [Theory]
    [InlineData("alpine", Default, "library/alpine", "latest", null)]
    [InlineData("alpine:3.19", Default, "library/alpine", "3.19", null)]
    [InlineData("me/app", Default, "me/app", "latest", null)]
    [InlineData("me/app/tool:v1.2_rc-3", Default, "me/app/tool", "v1.2_rc-3", null)]
    [InlineData("127.0.0.1:5000/app", Default, "library/app", "latest", null)]
    [InlineData("127.0.0.1:5000/team/app:2", Default, "team/app", "2", null)]
    [InlineData("127.0.0.1:5001/app:1", "127.0.0.1:5001", "app", "1", null)]
    [InlineData("localhost/app", "localhost", "app", "latest", null)]
    [InlineData("localhost:5000/a/b/c:t", "localhost:5000", "a/b/c", "t", null)]
    [InlineData("reg.example/app", "reg.example", "app", "latest", null)]
    [InlineData("reg.example:443/a.b/c_d/e__f/g-h/i---j", "reg.example:443", "a.b/c_d/e__f/g-h/i---j", "latest", null)]
    [InlineData("[::1]:5000/app:1", "[::1]:5000", "app", "1", null)]
    [InlineData("[::1]/app", "[::1]", "app", "latest", null)]
    [InlineData("Upper/app", "Upper", "app", "latest", null)]
    [InlineData("reg.example/app:TAG_1", "reg.example", "app", "TAG_1", null)]
    [InlineData("app:_x", Default, "library/app", "_x", null)]
    [InlineData("app@sha256:" + Hex, Default, "library/app", null, "sha256:" + Hex)]
    [InlineData("app:1@sha256:" + Hex, Default, "library/app", "1", "sha256:" + Hex)]
    [InlineData("127.0.0.1:5001/app@sha256:" + Hex, "127.0.0.1:5001", "app", null, "sha256:" + Hex)]
    public void Splits_registry_path_tag_and_digest(string text, string registry, string repository, string? tag, string? digest)
    {
        var name = Parse(text);

        Assert.Equal(registry, name.Registry);
        Assert.Equal(repository, name.Repository);
        Assert.Equal(tag, name.Tag);
        Assert.Equal(digest, name.Digest);
    }

    [Fact]
    public void The_digest_wins_over_the_tag_for_the_manifest_and_both_are_kept_in_print()
    {
        var name = Parse("127.0.0.1:5001/app:1@sha256:" + Hex);

        Assert.Equal("sha256:" + Hex, name.ManifestReference);
        Assert.Equal("app:1@sha256:" + Hex, name.PathAndReference);
        Assert.Equal("127.0.0.1:5001/app:1@sha256:" + Hex, name.ToString());
        Assert.Equal("1", Parse("127.0.0.1:5001/app:1").ManifestReference);
    }

    [Fact]
    public void Library_is_added_on_the_default_registry_only()
    {
        Assert.Equal("library/x", Parse("x").Repository);
        Assert.Equal("library/x", Parse("127.0.0.1:5000/x").Repository);
        Assert.Equal("x", Parse("127.0.0.1:5500/x").Repository);
        Assert.Equal("a/x", Parse("a/x").Repository);

        Assert.True(ImageName.TryParse("x", "127.0.0.1:5500", out var other, out _));
        Assert.Equal("127.0.0.1:5500", other.Registry);
        Assert.Equal("library/x", other.Repository);
    }

    [Fact]
    public void The_default_registry_matches_whatever_its_case()
    {
        Assert.True(ImageName.TryParse("Reg.Example/x", "reg.example", out var name, out _));

        Assert.Equal("reg.example", name.Registry);
        Assert.Equal("library/x", name.Repository);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("App", "lower-case")]
    [InlineData("me/App", "lower-case")]
    [InlineData("reg.example/Me/app", "lower-case")]
    [InlineData("app:", "empty tag")]
    [InlineData(":tag", "no repository")]
    [InlineData("app:-x", "a tag is")]
    [InlineData("app:.x", "a tag is")]
    [InlineData("app:a/b", "not a registry")]
    [InlineData("app@", "digest")]
    [InlineData("app@sha256:abc", "64 lower-case hex")]
    [InlineData("app@sha256:" + "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "lower-case hex")]
    [InlineData("app@md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm")]
    [InlineData("app@" + Hex, "ALGORITHM:HEX")]
    [InlineData(Hex, "image ID")]
    [InlineData("a//b", "empty path component")]
    [InlineData("/app", "empty path component")]
    [InlineData("app/", "empty path component")]
    [InlineData("a..b", "path component")]
    [InlineData("a___b", "path component")]
    [InlineData("-a", "path component")]
    [InlineData("a-", "path component")]
    [InlineData("a_", "path component")]
    [InlineData("reg.example:99999/app", "not a registry")]
    [InlineData("reg.example:0/app", "not a registry")]
    [InlineData("reg.example:/app", "not a registry")]
    [InlineData("reg-.example/app", "not a registry")]
    [InlineData("reg..example/app", "not a registry")]
    [InlineData("[::1/app", "not a registry")]
    [InlineData("[zz]:5000/app", "not a registry")]
    [InlineData("[127.0.0.1]:5000/app", "not a registry")]
    [InlineData("app 1", "whitespace")]
    [InlineData("app\tx", "whitespace")]
    [InlineData("app\n127.0.0.1:5000/evil", "whitespace")]
    [InlineData("app\u001b[31m", "control")]
    [InlineData("app\u202e", "control")]
    [InlineData("äpp", "ASCII")]
    [InlineData("app@sha256:" + Hex + "@sha256:" + Hex, "64 lower-case hex")]
    public void Rejects_with_a_reason(string text, string reason)
    {
        Assert.Contains(reason, Reject(text), StringComparison.Ordinal);
    }

    [Fact]
    public void A_newline_or_escape_in_the_input_is_escaped_in_the_error()
    {
        var error = Reject("app\nforged line\u001b[2J");

        Assert.Contains("app\\nforged line\\x1b[2J", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', error);
    }

    [Fact]
    public void Length_limits_hold()
    {
        var tag = new string('t', 128);
        Assert.Equal(tag, Parse("app:" + tag).Tag);
        Assert.Contains("at most 128", Reject("app:" + tag + "t"), StringComparison.Ordinal);

        // registry + "/" + path: 255 in all is the limit ("library/" counts on the default registry).
        const string other = "127.0.0.1:5001";
        var path = new string('a', 255 - other.Length - 1);
        Assert.Equal(path, Parse($"{other}/{path}").Repository);
        Assert.Contains("longer than 255", Reject($"{other}/{path}a"), StringComparison.Ordinal);
        Assert.Contains("longer than 255", Reject(new string('a', 255 - Default.Length - 1)), StringComparison.Ordinal);

        var huge = Reject(new string('a', 100_000));
        Assert.Contains("too long", huge, StringComparison.Ordinal);
        Assert.True(huge.Length < 200);
    }

    [Fact]
    public void A_bad_default_registry_is_a_programming_error()
    {
        Assert.Throws<ArgumentException>(() => ImageName.TryParse("x", "not a host", out _, out _));
        Assert.Throws<ArgumentException>(() => ImageName.TryParse("x", "", out _, out _));
    }

    [Fact]
    public void Random_input_never_throws_and_accepted_names_round_trip()
    {
        var random = new Random(10);
        const string alphabet = "abcAB09._-:/@[]%\n \u00e9sha256";
        for (var i = 0; i < 20_000; i++)
        {
            var chars = new char[random.Next(0, 40)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            var text = new string(chars);
            if (ImageName.TryParse(text, Default, out var name, out var error))
            {
                Assert.True(ImageName.TryParse(name.ToString(), Default, out var again, out var error2), error2);
                Assert.Equal(name, again);
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(error));
                Assert.DoesNotContain('\n', error);
            }
        }
    }
}
