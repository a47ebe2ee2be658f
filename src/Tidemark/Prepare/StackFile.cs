using System.Text;
using Tidemark.Core.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Tidemark.Cli.Prepare;

/// <summary>One service's image in a compose or stack file.</summary>
/// <param name="Line">Where the image is written (1-based).</param>
public sealed record StackImage(string Service, string Image, int Line);

/// <summary>What a stack file says to pull: images in service order, each once, and notes on services that pull nothing.</summary>
public sealed record StackImages(IReadOnlyList<StackImage> Images, IReadOnlyList<string> Notes);

/// <summary>
/// Reads the images of a compose file or a `docker stack deploy` file: <c>services.NAME.image</c>,
/// nothing else. Parsed by YamlDotNet's representation model (a YAML 1.1 parser: anchors and
/// aliases resolved, no object binding, so nothing reflective for Native AOT); on top of it:
/// <list type="bullet">
/// <item>merge keys (<c>&lt;&lt;: *defaults</c>) are followed for <c>image</c> and <c>build</c>;</item>
/// <item>variables are substituted as compose does, from the environment only (the <c>.env</c>
/// file is not read): <c>$VAR</c>, <c>${VAR}</c>, <c>${VAR:-default}</c>, <c>${VAR-default}</c>,
/// <c>${VAR:?error}</c>, <c>${VAR?error}</c>, <c>${VAR:+other}</c>, <c>${VAR+other}</c>, and
/// <c>$$</c> for a dollar; an unset variable without a default is an error, not an empty string;</item>
/// <item>a service with <c>build</c> and no <c>image</c> builds its image: nothing to pull (a note says
/// so); one with neither is an error;</item>
/// <item>anything else — not a mapping, no <c>services</c>, an image that is not a string, more than
/// one document — is an error naming the file and line.</item>
/// </list>
/// </summary>
public static class StackFile
{
    /// <summary>A compose file is a few kilobytes; a file this big is not one.</summary>
    public const long MaxBytes = 1 << 20;

    /// <returns>The images, or an error naming <paramref name="path"/> and the line.</returns>
    public static (StackImages? Images, string? Error) Read(string path, Func<string, string?> environment)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return (null, $"stack file {path} does not exist");
            }

            if (info.Length > MaxBytes)
            {
                return (null, $"stack file {path}: {info.Length} bytes, more than a compose file can be ({MaxBytes} at most)");
            }

            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return (null, $"stack file {path} cannot be read: {e.Message}");
        }

        return Parse(text, path, environment);
    }

    /// <param name="name">The file's name, for messages.</param>
    public static (StackImages? Images, string? Error) Parse(string text, string name, Func<string, string?> environment)
    {
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            return (null, $"{name}:{e.Start.Line}: not valid YAML: {Printable.Escape(FirstLine(e.Message))}");
        }

        if (yaml.Documents.Count == 0)
        {
            return (null, $"{name}: empty: a stack file has a services mapping");
        }

        if (yaml.Documents.Count > 1)
        {
            return (null, $"{name}:{yaml.Documents[1].RootNode.Start.Line}: more than one YAML document; a stack file is one");
        }

        if (yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            return (null, $"{name}:{yaml.Documents[0].RootNode.Start.Line}: the file is not a mapping (a stack file has a services mapping at the top)");
        }

        var services = Child(root, "services");
        if (services is null)
        {
            return (null, $"{name}: no services: a stack file names its services under a top-level services key");
        }

        if (services is not YamlMappingNode serviceMap)
        {
            return (null, $"{name}:{services.Start.Line}: services is not a mapping of service names");
        }

        var images = new List<StackImage>();
        var notes = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in serviceMap.Children)
        {
            if (key is not YamlScalarNode { Value: { Length: > 0 } service })
            {
                return (null, $"{name}:{key.Start.Line}: a service name must be a string");
            }

            var shown = Printable.Escape(service);
            if (value is not YamlMappingNode spec)
            {
                return (null, $"{name}:{value.Start.Line}: service {shown} is not a mapping");
            }

            var image = Field(spec, "image");
            if (image is null)
            {
                if (Field(spec, "build") is not null)
                {
                    notes.Add($"service {service} builds its image (build, no image): nothing to pull for it");
                    continue;
                }

                return (null, $"{name}:{spec.Start.Line}: service {shown} has neither image nor build");
            }

            if (image is not YamlScalarNode { Value: { } raw } scalar || (scalar.Style == ScalarStyle.Plain && raw.Length == 0))
            {
                return (null, $"{name}:{image.Start.Line}: service {shown}: image is not a string");
            }

            var (value2, error) = Interpolate(raw, environment);
            if (error is not null)
            {
                return (null, $"{name}:{image.Start.Line}: service {shown}: image '{Printable.Escape(raw)}': {error}");
            }

            if (value2!.Length == 0)
            {
                return (null, $"{name}:{image.Start.Line}: service {shown}: the image is empty");
            }

            if (seen.Add(value2))
            {
                images.Add(new StackImage(service, value2, checked((int)image.Start.Line)));
            }
        }

        if (images.Count == 0 && notes.Count == 0)
        {
            return (null, $"{name}: services is empty");
        }

        return (new StackImages(images, notes), null);
    }

    /// <summary>A key of a service, directly or through merge keys (<c>&lt;&lt;</c>), the direct one winning.</summary>
    private static YamlNode? Field(YamlMappingNode spec, string key, int depth = 0)
    {
        if (Child(spec, key) is { } direct)
        {
            return direct;
        }

        if (depth > 8 || Child(spec, "<<") is not { } merge)
        {
            return null;
        }

        var sources = merge switch
        {
            YamlMappingNode one => [one],
            YamlSequenceNode many => many.Children.OfType<YamlMappingNode>().ToList(),
            _ => new List<YamlMappingNode>(),
        };
        return sources.Select(s => Field(s, key, depth + 1)).FirstOrDefault(n => n is not null);
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: { } k } && k == key).Value;

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    /// <summary>Compose's variable substitution, from <paramref name="environment"/> only.</summary>
    public static (string? Value, string? Error) Interpolate(string text, Func<string, string?> environment, int depth = 0)
    {
        if (depth > 8)
        {
            return (null, "variables nested too deep");
        }

        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c != '$')
            {
                result.Append(c);
                continue;
            }

            if (i + 1 >= text.Length)
            {
                return (null, "a '$' ends the value (write $$ for a dollar)");
            }

            var next = text[i + 1];
            if (next == '$')
            {
                result.Append('$');
                i++;
                continue;
            }

            if (IsNameStart(next))
            {
                var end = i + 1;
                while (end < text.Length && IsNameChar(text[end]))
                {
                    end++;
                }

                var variable = text[(i + 1)..end];
                if (environment(variable) is not { } set)
                {
                    return (null, $"variable {variable} is not set (the .env file is not read: export it)");
                }

                result.Append(set);
                i = end - 1;
                continue;
            }

            if (next != '{')
            {
                return (null, $"'$' must start a variable ($NAME or ${{NAME}}) or be written $$");
            }

            // ${...}: find the matching brace (defaults may hold ${...} themselves).
            var open = 1;
            var close = i + 2;
            for (; close < text.Length && open > 0; close++)
            {
                if (text[close] == '{')
                {
                    open++;
                }
                else if (text[close] == '}')
                {
                    open--;
                }
            }

            if (open > 0)
            {
                return (null, "'${' is not closed");
            }

            var body = text[(i + 2)..(close - 1)];
            var (value, error) = Expand(body, environment, depth);
            if (error is not null)
            {
                return (null, error);
            }

            result.Append(value);
            i = close - 1;
        }

        return (result.ToString(), null);
    }

    private static (string? Value, string? Error) Expand(string body, Func<string, string?> environment, int depth)
    {
        var n = 0;
        while (n < body.Length && IsNameChar(body[n]))
        {
            n++;
        }

        if (n == 0 || !IsNameStart(body[0]))
        {
            return (null, $"'${{{body}}}' does not name a variable");
        }

        var variable = body[..n];
        var value = environment(variable);
        var rest = body[n..];
        if (rest.Length == 0)
        {
            return value is null ? (null, $"variable {variable} is not set (the .env file is not read: export it)") : (value, null);
        }

        var colon = rest.StartsWith(':');
        var op = colon ? (rest.Length > 1 ? rest[1] : '\0') : rest[0];
        var word = rest[(colon ? 2 : 1)..];
        // With a colon, empty counts as unset; without, only unset does.
        var unset = value is null || (colon && value.Length == 0);
        switch (op)
        {
            case '-':
                return unset ? Interpolate(word, environment, depth + 1) : (value, null);
            case '?':
                return unset ? (null, $"variable {variable} is {(value is null ? "not set" : "empty")}: {word}") : (value, null);
            case '+':
                return unset ? ("", null) : Interpolate(word, environment, depth + 1);
            default:
                return (null, $"'${{{body}}}': unknown substitution (compose's are :- - :? ? :+ +)");
        }
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
