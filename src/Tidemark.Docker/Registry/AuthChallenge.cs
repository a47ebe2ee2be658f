using System.Text;

namespace Tidemark.Docker.Registry;

/// <summary>
/// One challenge of a WWW-Authenticate header (RFC 7235): a scheme and its parameters, e.g.
/// <c>Bearer realm="https://auth.example/token",service="registry",scope="repository:app:pull"</c>
/// or <c>Basic realm="Registry"</c>. Parameter names are case-insensitive.
/// </summary>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>Longest header value parsed; longer ones are cut (a real one is a few hundred bytes).</summary>
    public const int MaxHeaderLength = 8192;

    public bool IsBearer => string.Equals(Scheme, "Bearer", StringComparison.OrdinalIgnoreCase);

    public bool IsBasic => string.Equals(Scheme, "Basic", StringComparison.OrdinalIgnoreCase);

    public string? Realm => Parameters.GetValueOrDefault("realm");

    public string? Service => Parameters.GetValueOrDefault("service");

    public string? Scope => Parameters.GetValueOrDefault("scope");

    /// <summary>"insufficient_scope", "invalid_token"… when the registry says why a token was not enough.</summary>
    public string? Error => Parameters.GetValueOrDefault("error");

    /// <summary>
    /// Every challenge in the header values (a response may send several headers, and one header
    /// several challenges separated by commas). Unreadable parts are skipped, never thrown on.
    /// </summary>
    public static IReadOnlyList<AuthChallenge> Parse(IEnumerable<string> headerValues)
    {
        var all = new List<AuthChallenge>();
        foreach (var value in headerValues)
        {
            all.AddRange(Parse(value));
        }

        return all;
    }

    public static IReadOnlyList<AuthChallenge> Parse(string? header)
    {
        var challenges = new List<AuthChallenge>();
        if (string.IsNullOrEmpty(header))
        {
            return challenges;
        }

        var s = header.Length > MaxHeaderLength ? header[..MaxHeaderLength] : header;
        var i = 0;
        string? scheme = null;
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        void Finish()
        {
            if (scheme is not null)
            {
                challenges.Add(new AuthChallenge(scheme, parameters));
            }

            scheme = null;
            parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        }

        while (i < s.Length)
        {
            SkipSpacesAndCommas(s, ref i);
            if (i >= s.Length)
            {
                break;
            }

            var token = ReadToken(s, ref i);
            if (token.Length == 0)
            {
                // Not a token character where one must be: skip it rather than loop.
                i++;
                continue;
            }

            var j = i;
            SkipSpaces(s, ref j);
            if (j < s.Length && s[j] == '=' && scheme is not null)
            {
                // name=value inside the current challenge (token68 values end in '=' too, but a
                // registry never sends them).
                j++;
                SkipSpaces(s, ref j);
                var value = j < s.Length && s[j] == '"' ? ReadQuoted(s, ref j) : ReadToken(s, ref j);
                parameters.TryAdd(token, value);
                i = j;
                continue;
            }

            // A token not followed by '=' starts a new challenge.
            Finish();
            scheme = token;
        }

        Finish();
        return challenges;
    }

    private static void SkipSpaces(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
        {
            i++;
        }
    }

    private static void SkipSpacesAndCommas(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or ',')
        {
            i++;
        }
    }

    /// <summary>RFC 7230 tchar.</summary>
    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~' or '/' or ':';

    private static string ReadToken(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && IsTokenChar(s[i]))
        {
            i++;
        }

        return s[start..i];
    }

    /// <summary>A quoted-string from the opening quote; an unterminated one runs to the end.</summary>
    private static string ReadQuoted(string s, ref int i)
    {
        var sb = new StringBuilder();
        i++;
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            sb.Append(s[i]);
            i++;
        }

        if (i < s.Length)
        {
            i++;
        }

        return sb.ToString();
    }
}
