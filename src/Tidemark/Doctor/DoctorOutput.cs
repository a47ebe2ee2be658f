using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Tidemark.Cli.Output;

namespace Tidemark.Cli.Doctor;

/// <summary>
/// The checklist as lines (one per check, status first, the remedy on the same line so journald
/// keeps them together) or as one JSON object (docs/json-output.md).
/// </summary>
public static class DoctorOutput
{
    public static string Line(CheckResult c, Paint paint)
    {
        var status = c.Status switch
        {
            CheckStatus.Ok => paint.Green("ok  "),
            CheckStatus.Warn => paint.Yellow("warn"),
            _ => paint.Red("fail"),
        };
        return c.Remedy is null
            ? Safe.Line($"{status} {c.Area,-11} {c.Evidence}")
            : Safe.Line($"{status} {c.Area,-11} {c.Evidence} — to do: {c.Remedy}");
    }

    public static string Summary(IReadOnlyList<CheckResult> checks) => string.Create(CultureInfo.InvariantCulture,
        $"doctor: {checks.Count(c => c.Status == CheckStatus.Ok)} ok, {checks.Count(c => c.Status == CheckStatus.Warn)} warn, {checks.Count(c => c.Status == CheckStatus.Fail)} fail");

    public static void WriteJson(TextWriter w, IReadOnlyList<CheckResult> checks, int exitCode)
    {
        using var buffer = new MemoryStream();
        using (var j = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            j.WriteStartObject();
            j.WriteString("command", "doctor");
            j.WriteStartArray("checks");
            foreach (var c in checks)
            {
                j.WriteStartObject();
                j.WriteString("area", c.Area);
                j.WriteString("status", c.Status.ToString().ToLowerInvariant());
                j.WriteString("evidence", c.Evidence);
                if (c.Remedy is { } remedy)
                {
                    j.WriteString("remedy", remedy);
                }

                if (c.Facts is { Count: > 0 } facts)
                {
                    j.WriteStartObject("facts");
                    foreach (var (key, value) in facts)
                    {
                        j.WritePropertyName(key);
                        Value(j, value);
                    }

                    j.WriteEndObject();
                }

                j.WriteEndObject();
            }

            j.WriteEndArray();
            j.WriteStartObject("summary");
            foreach (var status in Enum.GetValues<CheckStatus>())
            {
                j.WriteNumber(status.ToString().ToLowerInvariant(), checks.Count(c => c.Status == status));
            }

            j.WriteEndObject();
            j.WriteNumber("exitCode", exitCode);
            j.WriteEndObject();
        }

        w.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void Value(Utf8JsonWriter j, object? value)
    {
        switch (value)
        {
            case null:
                j.WriteNullValue();
                break;
            case bool b:
                j.WriteBooleanValue(b);
                break;
            case int or long or short or byte:
                j.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                j.WriteNumberValue(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            case DateTimeOffset t:
                j.WriteStringValue(t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                break;
            case string s:
                j.WriteStringValue(s);
                break;
            case System.Collections.IEnumerable items:
                j.WriteStartArray();
                foreach (var item in items)
                {
                    Value(j, item);
                }

                j.WriteEndArray();
                break;
            default:
                j.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
