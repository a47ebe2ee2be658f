using Tidemark.Core.Configuration;
using Tidemark.Core.Text;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Tidemark.Cli.Configuration;

/// <summary>Where the config came from, for the first line of output, and what it should say about it.</summary>
/// <param name="Warnings">Settings that are accepted but probably not what was meant.</param>
/// <param name="KeyLines">The line of the file that set each key ("[disk] path"); keys not there have their default.</param>
public sealed record LoadedSettings(Settings Settings, string Source, IReadOnlyList<string> Warnings, IReadOnlyDictionary<string, int> KeyLines)
{
    public LoadedSettings(Settings settings, string source, IReadOnlyDictionary<string, int>? keyLines = null)
        : this(settings, source, ConfigSchema.Warnings(settings), keyLines ?? new Dictionary<string, int>())
    {
    }

    /// <summary>Each key's value as written in the file.</summary>
    public IReadOnlyDictionary<string, string> KeyTexts { get; init; } = new Dictionary<string, string>();

    /// <summary>Keys set from the environment rather than the file or a default, with where from.</summary>
    public IReadOnlyDictionary<string, string> Overrides { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether the settings come from a file (else: the built-in defaults).</summary>
    public bool FromFile => KeyLines.Count > 0 || !Source.StartsWith("built-in defaults", StringComparison.Ordinal);
}

/// <summary>A parsed config: the settings when there is no error, every error, and where each key was set.</summary>
public sealed record ParsedConfig(Settings? Settings, IReadOnlyList<ConfigError> Errors, IReadOnlyDictionary<string, int> KeyLines)
{
    /// <summary>Each key's value as written in the file.</summary>
    public IReadOnlyDictionary<string, string> KeyTexts { get; init; } = new Dictionary<string, string>();

    public static ParsedConfig Failed(ConfigError error) => new(null, [error], new Dictionary<string, int>());
}

/// <summary>
/// Reads the TOML config and checks every key. Walks the syntax tree rather than binding to a
/// type so that every error can name the line, the key and the value.
/// </summary>
public static class ConfigLoader
{
    public const string DefaultPath = "/etc/tidemark/tidemark.toml";

    /// <summary>A config is a few hundred bytes; this bound keeps `--config /dev/zero` from eating memory.</summary>
    public const int MaxBytes = 1 << 20;

    /// <param name="explicitPath">--config, else TIDEMARK_CONFIG; null means the default path, which may be absent.</param>
    /// <param name="ct">Abandons a read that blocks (a FIFO with no writer): the caller sees an OperationCanceledException.</param>
    public static (LoadedSettings? Loaded, ConfigError? Error) Load(string? explicitPath, CancellationToken ct = default)
    {
        var (loaded, errors) = LoadAll(explicitPath, ct);
        return errors.Count > 0 ? (null, errors[0]) : (loaded, null);
    }

    /// <summary>As <see cref="Load"/>, with every error of the file (config check).</summary>
    public static (LoadedSettings? Loaded, IReadOnlyList<ConfigError> Errors) LoadAll(string? explicitPath, CancellationToken ct = default)
    {
        if (explicitPath is { Length: 0 })
        {
            return (null, [new ConfigError("(empty)", null, null, "the config path is empty: name a file, or leave --config out for the default")]);
        }

        var path = explicitPath ?? DefaultPath;
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return (null, [new ConfigError(Printable.Escape(path), null, null, "the path holds a NUL character")]);
        }

        if (Directory.Exists(path))
        {
            return (null, [new ConfigError(path, null, null, "is a directory, not a config file")]);
        }

        if (!File.Exists(path))
        {
            return explicitPath is null
                ? (new LoadedSettings(Settings.Default, $"built-in defaults (no {DefaultPath})"), [])
                : (null, [new ConfigError(path, null, null, "config file not found")]);
        }

        // Read on the side, so that a read that never returns cannot hold off a signal.
        var read = Task.Run(() => ReadBounded(path), CancellationToken.None);
        read.Wait(ct);
        var (text, readError) = read.Result;
        if (readError is not null)
        {
            return (null, [new ConfigError(path, null, null, readError)]);
        }

        var parsed = ParseAll(text!, path);
        return parsed.Errors.Count > 0 ? (null, parsed.Errors) : (new LoadedSettings(parsed.Settings!, path, parsed.KeyLines) { KeyTexts = parsed.KeyTexts }, []);
    }

    private static (string? Text, string? Error) ReadBounded(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            var buffer = new byte[MaxBytes + 1];
            var length = 0;
            int n;
            while (length < buffer.Length && (n = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += n;
            }

            if (length > MaxBytes)
            {
                return (null, $"larger than {MaxBytes / 1024} KiB: not a Tidemark config");
            }

            var text = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, length);
            return (text.StartsWith('\uFEFF') ? text[1..] : text, null);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return (null, "not UTF-8 text");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot read: {e.Message}");
        }
    }

    /// <summary>The first problem only: what a command needs to stop.</summary>
    public static (Settings? Settings, ConfigError? Error) Parse(string text, string file)
    {
        var parsed = ParseAll(text, file);
        return parsed.Errors.Count > 0 ? (null, parsed.Errors[0]) : (parsed.Settings, null);
    }

    /// <summary>
    /// Every problem, one per key (config check), or the settings with the line that set each key
    /// (config show). A TOML syntax error stops there: what follows it cannot be read reliably.
    /// </summary>
    public static ParsedConfig ParseAll(string text, string file)
    {
        DocumentSyntax doc;
        try
        {
            doc = SyntaxParser.Parse(text, file);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The parser's own limits (nesting deeper than 64, …) are the input's fault, not ours.
            var first = e.Message.Split(". ", 2)[0].TrimEnd('.');
            return ParsedConfig.Failed(new ConfigError(file, null, null, $"not valid TOML: {first}"));
        }

        var syntax = doc.Diagnostics.Where(d => d.Kind == DiagnosticMessageKind.Error)
            .Select(d => new ConfigError(file, d.Span.Start.Line + 1, null, $"not valid TOML: {d.Message}"))
            .ToList();
        if (syntax.Count > 0)
        {
            return new ParsedConfig(null, syntax, new Dictionary<string, int>());
        }

        var errors = new List<ConfigError>();
        var entries = new List<Entry>();
        foreach (var kv in doc.KeyValues)
        {
            Flatten([], kv, entries);
        }

        foreach (var table in doc.Tables)
        {
            var name = KeyParts(table.Name);
            if (table is TableArraySyntax)
            {
                errors.Add(new ConfigError(file, Line(table), $"[[{string.Join('.', name)}]]", "arrays of tables are not used by Tidemark"));
                continue;
            }

            if (table.Items.ChildrenCount == 0)
            {
                entries.Add(new Entry(name, null, Line(table)));
            }

            foreach (var kv in table.Items)
            {
                Flatten(name, kv, entries);
            }
        }

        var settings = Settings.Default;
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        var texts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var (key, error) = Resolve(entry);
            if (error is not null)
            {
                errors.Add(new ConfigError(file, entry.Line, entry.Display, error));
                continue;
            }

            if (key is null)
            {
                continue;
            }

            var (value, typeError) = Read(entry.Value!, key.Kind);
            if (typeError is not null)
            {
                errors.Add(new ConfigError(file, entry.Line, key.Name, $"= {Show(entry.Value!)}: {typeError}"));
                continue;
            }

            if (key.Check(value!) is { } invalid)
            {
                errors.Add(new ConfigError(file, entry.Line, key.Name, $"= {Show(entry.Value!)}: {invalid}"));
                continue;
            }

            settings = key.Apply(settings, value!);
            lines[key.Name] = entry.Line;
            texts[key.Name] = Show(entry.Value!);
        }

        if (errors.Count == 0)
        {
            foreach (var (section, key, message) in ConfigSchema.CrossCheck(settings))
            {
                var name = $"[{section}] {key}";
                errors.Add(new ConfigError(file, lines.TryGetValue(name, out var l) ? l : null, name, message));
            }
        }

        return new ParsedConfig(errors.Count == 0 ? settings : null, errors, lines) { KeyTexts = texts };
    }

    private sealed record Entry(IReadOnlyList<string> Path, ValueSyntax? Value, int Line)
    {
        public string Display => Path.Count switch
        {
            0 => "(top level)",
            1 => Value is null ? $"[{Path[0]}]" : Path[0],
            _ => $"[{string.Join('.', Path.Take(Path.Count - 1))}] {Path[^1]}",
        };
    }

    private static (ConfigKey? Key, string? Error) Resolve(Entry entry)
    {
        var sections = ConfigSchema.Keys.Select(k => k.Section).Distinct().ToList();
        if (entry.Value is null)
        {
            // An empty [section] is fine when the section exists.
            return sections.Contains(entry.Path[0]) && entry.Path.Count == 1
                ? (null, null)
                : (null, $"unknown section (known: {string.Join(", ", sections.Select(s => $"[{s}]"))})");
        }

        if (entry.Path.Count == 1)
        {
            return (null, $"settings belong in a section such as [disk]; known sections: {string.Join(", ", sections.Select(s => $"[{s}]"))}");
        }

        var section = entry.Path[0];
        if (entry.Path.Count > 2 || !sections.Contains(section))
        {
            return (null, entry.Path.Count > 2 && sections.Contains(section)
                ? $"unknown key (known in [{section}]: {Known(section)})"
                : $"unknown section [{string.Join('.', entry.Path.Take(entry.Path.Count - 1))}] (known: {string.Join(", ", sections.Select(s => $"[{s}]"))})");
        }

        var key = ConfigSchema.Keys.FirstOrDefault(k => k.Section == section && k.Key == entry.Path[1]);
        return key is null ? (null, $"unknown key (known in [{section}]: {Known(section)})") : (key, null);
    }

    private static string Known(string section) =>
        string.Join(", ", ConfigSchema.Keys.Where(k => k.Section == section).Select(k => k.Key));

    private static (ConfigValue? Value, string? Error) Read(ValueSyntax syntax, ValueKind kind)
    {
        switch (kind, syntax)
        {
            case (ValueKind.Integer, IntegerValueSyntax i):
                return (new ConfigValue.Integer(i.Value), null);
            case (ValueKind.Text, StringValueSyntax s):
                return (new ConfigValue.Text(s.Value ?? ""), null);
            case (ValueKind.Flag, BooleanValueSyntax b):
                return (new ConfigValue.Flag(b.Value), null);
            case (ValueKind.TextList, ArraySyntax a):
                var items = new List<string>();
                foreach (var item in a.Items)
                {
                    if (item.Value is not StringValueSyntax s)
                    {
                        return (null, "expected an array of strings");
                    }

                    items.Add(s.Value ?? "");
                }

                return (new ConfigValue.TextList(items), null);
            default:
                return (null, kind switch
                {
                    ValueKind.Integer => "expected an integer",
                    ValueKind.Text => "expected a string",
                    ValueKind.Flag => "expected true or false",
                    _ => "expected an array of strings",
                });
        }
    }

    private static void Flatten(IReadOnlyList<string> prefix, KeyValueSyntax kv, List<Entry> into)
    {
        var path = prefix.Concat(KeyParts(kv.Key)).ToList();
        if (kv.Value is InlineTableSyntax inline)
        {
            foreach (var item in inline.Items)
            {
                if (item.KeyValue is { } inner)
                {
                    Flatten(path, inner, into);
                }
            }

            return;
        }

        into.Add(new Entry(path, kv.Value, Line(kv)));
    }

    private static List<string> KeyParts(KeySyntax? key)
    {
        var parts = new List<string>();
        if (key is null)
        {
            return parts;
        }

        parts.Add(KeyText(key.Key));
        foreach (var dotted in key.DotKeys)
        {
            parts.Add(KeyText(dotted.Key));
        }

        return parts;
    }

    private static string KeyText(BareKeyOrStringValueSyntax? key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => "",
    };

    private static int Line(SyntaxNode node) => node.Span.Start.Line + 1;

    /// <summary>
    /// The value as written, for config show and error lines: its tokens, with the whitespace
    /// and line breaks between them as one space, and no comment (a value's trailing comment is
    /// trivia of its last token, which ToString() would include).
    /// </summary>
    private static string Show(ValueSyntax value)
    {
        var written = new System.Text.StringBuilder();
        var space = false;
        foreach (var item in value.Tokens(includeCommentsAndWhitespaces: true))
        {
            switch (item)
            {
                case SyntaxTrivia { Kind: TokenKind.Whitespaces or TokenKind.NewLine }:
                    space = true;
                    break;
                case SyntaxToken token:
                    written.Append(space && written.Length > 0 ? " " : "").Append(token.Text);
                    space = false;
                    break;
            }
        }

        var text = written.ToString();
        return text.Length > 80 ? text[..77] + "..." : text;
    }
}
