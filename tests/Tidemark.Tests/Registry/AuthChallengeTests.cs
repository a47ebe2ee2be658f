using Tidemark.Docker.Registry;

namespace Tidemark.Tests.Registry;

/// <summary>Issue 10: WWW-Authenticate challenges of registries (RFC 7235).</summary>
public sealed class AuthChallengeTests
{
    [Fact]
    public void Reads_a_bearer_challenge()
    {
        var c = Assert.Single(AuthChallenge.Parse("Bearer realm=\"https://auth.reg.example/token\",service=\"reg.example\",scope=\"repository:library/x:pull\""));

        Assert.True(c.IsBearer);
        Assert.Equal("https://auth.reg.example/token", c.Realm);
        Assert.Equal("reg.example", c.Service);
        Assert.Equal("repository:library/x:pull", c.Scope);
        Assert.Null(c.Error);
    }

    [Fact]
    public void Reads_a_basic_challenge()
    {
        var c = Assert.Single(AuthChallenge.Parse("Basic realm=\"tidemark-sandbox\""));

        Assert.True(c.IsBasic);
        Assert.Equal("tidemark-sandbox", c.Realm);
    }

    [Fact]
    public void Several_challenges_in_one_header_and_across_headers()
    {
        var all = AuthChallenge.Parse(["Bearer realm=\"https://a/token\", service=\"s\", Basic realm=\"b\"", "Negotiate"]);

        Assert.Equal(["Bearer", "Basic", "Negotiate"], all.Select(c => c.Scheme));
        Assert.Equal("s", all[0].Service);
        Assert.Equal("b", all[1].Realm);
        Assert.Empty(all[2].Parameters);
    }

    [Fact]
    public void Names_are_case_insensitive_values_unquoted_or_escaped()
    {
        var c = Assert.Single(AuthChallenge.Parse("bearer REALM=https://a/token , Service=\"say \\\"hi\\\"\" ,error=insufficient_scope,scope=\"repository:a:pull repository:b:pull\""));

        Assert.True(c.IsBearer);
        Assert.Equal("https://a/token", c.Realm);
        Assert.Equal("say \"hi\"", c.Service);
        Assert.Equal("insufficient_scope", c.Error);
        Assert.Equal("repository:a:pull repository:b:pull", c.Scope);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",,,")]
    [InlineData("=")]
    [InlineData("=\"x\"")]
    [InlineData("\"\"\"")]
    [InlineData("Bearer realm=\"unterminated")]
    [InlineData("Bearer realm=")]
    [InlineData("Bearer realm=,,,service")]
    [InlineData("Bearer ===== realm=\"x\"")]
    [InlineData("\u0000\u0001\u00ff Bearer")]
    public void Garbage_never_throws(string header)
    {
        var all = AuthChallenge.Parse(header);

        Assert.All(all, c => Assert.False(string.IsNullOrEmpty(c.Scheme)));
    }

    [Fact]
    public void An_unterminated_quote_runs_to_the_end()
    {
        Assert.Equal("https://a/tok", Assert.Single(AuthChallenge.Parse("Bearer realm=\"https://a/tok")).Realm);
    }

    [Fact]
    public void A_huge_header_is_cut_not_read_whole()
    {
        var c = Assert.Single(AuthChallenge.Parse("Bearer realm=\"" + new string('a', 100_000) + "\""));

        Assert.True(c.Realm!.Length < AuthChallenge.MaxHeaderLength);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(7);
        const string alphabet = "Bearer Basic realm=\",\\ \t;:/abc";
        for (var i = 0; i < 20_000; i++)
        {
            var chars = new char[random.Next(0, 60)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = alphabet[random.Next(alphabet.Length)];
            }

            _ = AuthChallenge.Parse(new string(chars));
        }
    }
}
