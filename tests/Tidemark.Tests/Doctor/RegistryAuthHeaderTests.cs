using System.Text;
using System.Text.Json;
using Tidemark.Docker.Credentials;

namespace Tidemark.Tests.Doctor;

/// <summary>Issue 10: X-Registry-Auth is base64url (RFC 4648 §5) of the Engine API's auth JSON.</summary>
public sealed class RegistryAuthHeaderTests
{
    private static JsonElement Decode(string header)
    {
        Assert.All(header, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '=', $"'{c}' is not base64url"));
        Assert.Equal(0, header.Length % 4);
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(header.Replace('-', '+').Replace('_', '/')));
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    [Theory]
    [InlineData("p")]
    [InlineData("pw")]
    [InlineData("pw3")]
    [InlineData("?>?>?>~~~///+++")]
    [InlineData("ünïcode \"quoted\" \\ back")]
    public void Username_and_password_round_trip(string password)
    {
        var header = new RegistryCredential("127.0.0.1:5100", "alice", password, null, "inline auth").ToRegistryAuthHeader();

        var auth = Decode(header);
        Assert.Equal(["username", "password", "serveraddress"], auth.EnumerateObject().Select(p => p.Name));
        Assert.Equal("alice", auth.GetProperty("username").GetString());
        Assert.Equal(password, auth.GetProperty("password").GetString());
        Assert.Equal("127.0.0.1:5100", auth.GetProperty("serveraddress").GetString());
    }

    [Fact]
    public void Every_padding_length_decodes()
    {
        for (var n = 0; n < 6; n++)
        {
            var password = new string('?', n);
            Assert.Equal(password, Decode(new RegistryCredential("127.0.0.1:5100", "u", password, null, "x").ToRegistryAuthHeader()).GetProperty("password").GetString());
        }
    }

    [Fact]
    public void An_identity_token_is_sent_alone()
    {
        var auth = Decode(new RegistryCredential("https://127.0.0.1:5100/v1/", null, null, "tok>>>en", "credHelpers x").ToRegistryAuthHeader());

        Assert.Equal(["identitytoken", "serveraddress"], auth.EnumerateObject().Select(p => p.Name));
        Assert.Equal("tok>>>en", auth.GetProperty("identitytoken").GetString());
        Assert.Equal("https://127.0.0.1:5100/v1/", auth.GetProperty("serveraddress").GetString());
    }
}
