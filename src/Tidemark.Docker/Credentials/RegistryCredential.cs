using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tidemark.Docker.Credentials;

/// <summary>
/// Credentials for pulling from one registry: a username and password, or an identity token.
/// It carries the secret to the Engine API and nowhere else: ToString (record printing) shows
/// "(redacted)" in its place, and JSON serialisation leaves it out.
/// </summary>
/// <param name="ServerAddress">The registry as the configuration names it; sent as <c>serveraddress</c>.</param>
/// <param name="Via">How it is held: "inline auth", "credsStore NAME" or "credHelpers NAME".</param>
public sealed record RegistryCredential(
    string ServerAddress,
    string? Username,
    [property: JsonIgnore] string? Password,
    [property: JsonIgnore] string? IdentityToken,
    string Via)
{
    /// <summary>
    /// The <c>X-Registry-Auth</c> header's value: base64url (RFC 4648 §5, with padding, as the
    /// Docker CLI sends it) of {"username","password","serveraddress"}, or of
    /// {"identitytoken","serveraddress"} when an identity token is held.
    /// </summary>
    public string ToRegistryAuthHeader()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (IdentityToken is not null)
            {
                writer.WriteString("identitytoken", IdentityToken);
            }
            else
            {
                writer.WriteString("username", Username ?? "");
                writer.WriteString("password", Password ?? "");
            }

            writer.WriteString("serveraddress", ServerAddress);
            writer.WriteEndObject();
        }

        var header = Convert.ToBase64String(buffer.WrittenSpan).Replace('+', '-').Replace('/', '_');
        buffer.Clear();
        return header;
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ServerAddress = ").Append(ServerAddress)
            .Append(", Username = ").Append(Username)
            .Append(", Password = ").Append(Password is null ? "null" : Redacted.Text)
            .Append(", IdentityToken = ").Append(IdentityToken is null ? "null" : Redacted.Text)
            .Append(", Via = ").Append(Via);
        return true;
    }
}

/// <summary>
/// The answer to "what would a pull from this registry send?": a credential, or none (an
/// anonymous pull), and when something stood in the way (a helper missing or failing, an
/// unreadable configuration) <see cref="Problem"/> says what, naming the file or helper.
/// </summary>
/// <param name="Via">Where the answer came from, also when there is no credential ("credsStore pass", "no entry in FILE").</param>
public sealed record CredentialLookup(string Registry, RegistryCredential? Credential, string Via, string? Problem);
