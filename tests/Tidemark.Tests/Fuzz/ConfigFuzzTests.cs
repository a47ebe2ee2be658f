using CsCheck;
using Tidemark.Cli.Configuration;

namespace Tidemark.Tests.Fuzz;

/// <summary>
/// Issue 7: the config parser on hostile input never throws (which would be exit 70): it accepts,
/// or rejects in one error that names the file.
/// </summary>
public sealed class ConfigFuzzTests
{
    private const string File = "fuzz.toml";

    private static readonly byte[] Valid = System.Text.Encoding.UTF8.GetBytes("""
        [docker]
        host = "unix:///var/run/docker.sock"
        [disk]
        path = ""
        high_watermark_percent = 80
        low_watermark_percent = 70
        critical_watermark_percent = 90
        [busy]
        stack_patterns = ['^[a-z0-9]{1,4}-[0-9a-f]{6}_ci_']
        labels = ["tidemark.busy", "ci=true"]
        [prune]
        min_age = "24h"
        protect = ["postgres:*", "sha256:0123456789ab"]
        eviction_order = "lru"
        stage2 = true
        [ledger]
        path = "/var/lib/tidemark/ledger.json"
        [watch]
        interval = "5m"
        [lock]
        path = "/run/tidemark/tidemark.lock"
        """);

    private static readonly string[] Keys =
    [
        "[docker] host", "[disk] path", "[disk] high_watermark_percent", "[disk] low_watermark_percent", "[disk] critical_watermark_percent",
        "[disk] inode_high_watermark_percent", "[busy] stack_patterns", "[busy] labels", "[prune] min_age", "[prune] protect",
        "[prune] critical_min_age", "[prune] eviction_order", "[prune] stage2", "[ledger] path", "[watch] interval", "[lock] path", "[nope] x",
    ];

    private static readonly Gen<string> Values = Gen.OneOf(
        Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Bool.Select(b => b ? "true" : "false"),
        Gen.String[Gen.Char.AlphaNumeric, 0, 12].Select(s => $"\"{s}\""),
        Gen.String[Gen.Char[" *?/:@\\\n\t\u0000\u001b\u2028ab"], 0, 12].Select(s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""),
        Gen.Const("\"/\""), Gen.Const("\"/tmp\""), Gen.Const("\"-1d\""), Gen.Const("\"999999999999d\""), Gen.Const("\"(a+)+$\""),
        Gen.Int[0, 80].Select(d => new string('[', d) + new string(']', d)),
        Gen.String[Gen.Char.AlphaNumeric, 0, 8].Array[0, 4].Select(a => "[" + string.Join(", ", a.Select(x => $"\"{x}\"")) + "]"),
        Gen.Const("{ a = 1 }"), Gen.Const("1979-05-27T07:32:00Z"), Gen.Const("inf"), Gen.Const("nan"));

    /// <summary>Configs built from the schema's own keys with values of every kind, right and wrong.</summary>
    private static readonly Gen<string> Configs =
        Gen.Select(Gen.OneOf<string>(Keys), Values).Array[0, 12].Select(entries =>
            string.Concat(entries.GroupBy(e => e.Item1.Split(' ')[0]).Select(g =>
                $"{g.Key}\n" + string.Concat(g.DistinctBy(e => e.Item1).Select(e => $"{e.Item1.Split(' ')[1]} = {e.Item2}\n")))));

    private static void Parses(string text)
    {
        var (settings, error) = ConfigLoader.Parse(text, File);
        Assert.True(settings is null != (error is null));
        if (error is not null)
        {
            Assert.Equal(File, error.File);
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
        }
    }

    [Fact]
    public void Configs_of_the_schema_with_any_values_parse_or_fail_in_one_error() =>
        Configs.Sample(Parses, iter: Mutations.Cases);

    [Fact]
    public void Random_bytes_never_crash_the_config_parser() =>
        Mutations.RandomBytes.Sample(b => Parses(Mutations.Text(b)), iter: Mutations.Cases);

    [Fact]
    public void A_damaged_config_never_crashes_the_parser() =>
        Mutations.Damaged(Valid).Sample(b => Parses(Mutations.Text(b)), iter: Mutations.Cases);

    [Fact]
    public void The_valid_seed_is_valid() => Assert.Null(ConfigLoader.Parse(Mutations.Text(Valid), File).Error);
}
