using System.Text;
using System.Text.Json;

namespace Tidemark.Docker.Credentials;

public enum DockerConfigState
{
    /// <summary>The file was read and parsed.</summary>
    Loaded,

    /// <summary>There is no file (or no place named one): no credentials, not an error.</summary>
    Missing,

    /// <summary>The file exists but cannot be read or is not a valid configuration; <see cref="DockerConfigRead.Error"/> says why.</summary>
    Invalid,
}

/// <summary>What reading the Docker client configuration gave. <see cref="Error"/> names the file and never quotes its content.</summary>
public sealed record DockerConfigRead(DockerConfigLocation Location, DockerConfigState State, DockerConfigFile? Config, string? Error);

/// <summary>
/// Reads a Docker client configuration: bounded (a file over <see cref="MaxBytes"/> is refused),
/// tolerant of keys it does not know, strict where Docker itself is (an <c>auth</c> that is not
/// base64 of user:password makes that entry unusable). Errors say where, never what: a
/// half-written file may hold a secret right where the parser stopped.
/// </summary>
public static class DockerConfigReader
{
    public const int MaxBytes = 4 * 1024 * 1024;

    public static DockerConfigRead Read(DockerConfigLocation location)
    {
        if (location.Path is not { } path)
        {
            return new DockerConfigRead(location, DockerConfigState.Missing, null, null);
        }

        byte[] bytes;
        switch (RegularFile.Check(path))
        {
            case RegularFile.Kind.Missing:
                return new DockerConfigRead(location, DockerConfigState.Missing, null, null);
            case RegularFile.Kind.Directory:
                return Invalid(location, $"{path} is a directory, not a file");
            case RegularFile.Kind.Other:
                return Invalid(location, $"{path} is not a regular file");
        }

        try
        {
            bytes = ReadBounded(path);
        }
        catch (FileTooLargeException)
        {
            return Invalid(location, $"{path} is larger than {MaxBytes / (1024 * 1024)} MiB: not a Docker client configuration");
        }
        catch (FileNotFoundException)
        {
            return new DockerConfigRead(location, DockerConfigState.Missing, null, null);
        }
        catch (DirectoryNotFoundException)
        {
            return new DockerConfigRead(location, DockerConfigState.Missing, null, null);
        }
        catch (UnauthorizedAccessException)
        {
            return Invalid(location, $"cannot read {path}: permission denied");
        }
        catch (IOException e)
        {
            return Invalid(location, $"cannot read {path}: {e.Message}");
        }

        return Parse(location, path, bytes);
    }

    /// <summary>Parses configuration text (UTF-8 JSON); <paramref name="path"/> is only named in errors.</summary>
    public static DockerConfigRead Parse(DockerConfigLocation location, string path, ReadOnlyMemory<byte> bytes)
    {
        // JSON that is not UTF-8 parses, then fails when a string is read: refuse it whole, first.
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
        {
            return Invalid(location, $"{path}: not valid UTF-8 text");
        }

        try
        {
            return ParseJson(location, path, bytes);
        }
        catch (InvalidOperationException)
        {
            // A string escape that is no text (a lone surrogate): the file is not what docker writes.
            return Invalid(location, $"{path}: holds a string that is not valid text");
        }
    }

    private static DockerConfigRead ParseJson(DockerConfigLocation location, string path, ReadOnlyMemory<byte> bytes)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            // The exception's own message may quote the offending character: only its position is kept.
            var where = e.LineNumber is { } line
                ? $" (line {line + 1}, character {(e.BytePositionInLine ?? 0) + 1})"
                : "";
            return Invalid(location, $"{path}: not valid JSON{where}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Invalid(location, $"{path}: not a JSON object");
            }

            List<InlineAuth> auths = [];
            string? credsStore = null;
            Dictionary<string, string> helpers = new(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "auths":
                        if (property.Value.ValueKind == JsonValueKind.Null)
                        {
                            break;
                        }

                        if (property.Value.ValueKind != JsonValueKind.Object)
                        {
                            return Invalid(location, $"{path}: 'auths' must be an object");
                        }

                        foreach (var entry in property.Value.EnumerateObject())
                        {
                            if (entry.Value.ValueKind != JsonValueKind.Object)
                            {
                                return Invalid(location, $"{path}: 'auths' entry '{entry.Name}' must be an object");
                            }

                            var (auth, badField) = ReadAuth(entry.Name, entry.Value);
                            if (auth is null)
                            {
                                return Invalid(location, $"{path}: 'auths' entry '{entry.Name}': '{badField}' must be a string");
                            }

                            auths.Add(auth);
                        }

                        break;
                    case "credsStore":
                        if (property.Value.ValueKind == JsonValueKind.String)
                        {
                            credsStore = property.Value.GetString() is { Length: > 0 } store ? store : null;
                        }
                        else if (property.Value.ValueKind != JsonValueKind.Null)
                        {
                            return Invalid(location, $"{path}: 'credsStore' must be a string");
                        }

                        break;
                    case "credHelpers":
                        if (property.Value.ValueKind == JsonValueKind.Null)
                        {
                            break;
                        }

                        if (property.Value.ValueKind != JsonValueKind.Object)
                        {
                            return Invalid(location, $"{path}: 'credHelpers' must be an object");
                        }

                        foreach (var helper in property.Value.EnumerateObject())
                        {
                            if (helper.Value.ValueKind != JsonValueKind.String)
                            {
                                return Invalid(location, $"{path}: 'credHelpers' entry '{helper.Name}' must be a string");
                            }

                            if (helper.Value.GetString() is { Length: > 0 } name)
                            {
                                helpers[helper.Name] = name;
                            }
                        }

                        break;
                }
            }

            return new DockerConfigRead(location, DockerConfigState.Loaded, new DockerConfigFile(path, auths, credsStore, helpers), null);
        }
    }

    /// <summary>An <c>auths</c> entry, or null and the field Docker reads as a string that is not one.</summary>
    private static (InlineAuth? Auth, string? BadField) ReadAuth(string key, JsonElement entry)
    {
        string? auth = null, username = null, password = null, identityToken = null;
        foreach (var field in entry.EnumerateObject())
        {
            if (field.Name is not ("auth" or "username" or "password" or "identitytoken"))
            {
                continue;
            }

            if (field.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (field.Value.ValueKind != JsonValueKind.String)
            {
                return (null, field.Name);
            }

            var value = field.Value.GetString() is { Length: > 0 } v ? v : null;
            switch (field.Name)
            {
                case "auth":
                    auth = value;
                    break;
                case "username":
                    username = value;
                    break;
                case "password":
                    password = value;
                    break;
                case "identitytoken":
                    identityToken = value;
                    break;
            }
        }

        string? problem = null;
        if (auth is not null)
        {
            // As the Docker CLI does: the decoded auth replaces username and password.
            if (DecodeAuth(auth) is { } decoded)
            {
                (username, password) = (decoded.User.Length > 0 ? decoded.User : null, decoded.Secret.Length > 0 ? decoded.Secret : null);
            }
            else
            {
                (username, password) = (null, null);
                problem = "inline auth is not base64 of user:password";
            }
        }

        return (new InlineAuth(key, RegistryHost.Normalize(key), username, password, identityToken, problem), null);
    }

    /// <summary>base64("user:secret") → (user, secret), split at the first ':'; null when it is not that.</summary>
    internal static (string User, string Secret)? DecodeAuth(string auth)
    {
        var buffer = new byte[auth.Length];
        if (!Convert.TryFromBase64String(auth, buffer, out var written))
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        finally
        {
            Array.Clear(buffer);
        }

        var colon = text.IndexOf(':');
        return colon < 0 ? null : (text[..colon], text[(colon + 1)..]);
    }

    private static DockerConfigRead Invalid(DockerConfigLocation location, string error) =>
        new(location, DockerConfigState.Invalid, null, error);

    private static byte[] ReadBounded(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
        var buffer = new byte[64 * 1024];
        using var content = new MemoryStream();
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            if (content.Length + read > MaxBytes)
            {
                throw new FileTooLargeException();
            }

            content.Write(buffer, 0, read);
        }

        return content.ToArray();
    }

    private sealed class FileTooLargeException : Exception;
}
