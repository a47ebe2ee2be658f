using System.Text.Json;

namespace Tidemark.Core.Text;

/// <summary>
/// System.Text.Json's errors name .NET types ("could not be converted to
/// System.Nullable`1[System.DateTimeOffset]"): said instead with the field and what it must be.
/// </summary>
public static class JsonMessages
{
    public static string Describe(Exception e)
    {
        if (e is JsonException { Path: { Length: > 1 } path } json)
        {
            var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
            return $"field '{field}' {Expected(json.Message)}";
        }

        if (e is JsonException { BytePositionInLine: { } position })
        {
            return $"not valid JSON (at character {position + 1})";
        }

        return e.Message.Contains("System.", StringComparison.Ordinal) ? "not valid JSON" : e.Message;
    }

    private static string Expected(string message) =>
        message.Contains("DateTimeOffset", StringComparison.Ordinal) ? "must be a date and time (2026-11-30T03:00:00Z)"
        : message.Contains("Int64", StringComparison.Ordinal) || message.Contains("Int32", StringComparison.Ordinal) ? "must be a whole number"
        : message.Contains("Boolean", StringComparison.Ordinal) ? "must be true or false"
        : message.Contains("String", StringComparison.Ordinal) ? "must be a string"
        : message.Contains("List", StringComparison.Ordinal) || message.Contains("[]", StringComparison.Ordinal) ? "must be an array"
        : message.Contains("Dictionary", StringComparison.Ordinal) ? "must be an object"
        : "is not of the right kind";
}
