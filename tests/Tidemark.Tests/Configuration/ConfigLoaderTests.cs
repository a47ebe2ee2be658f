using Tidemark.Cli.Configuration;
using Tidemark.Core.Configuration;

namespace Tidemark.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    private const string File = "/etc/tidemark/tidemark.toml";

    private static Settings Valid(string toml)
    {
        var (settings, error) = ConfigLoader.Parse(toml, File);
        Assert.Null(error);
        return settings!;
    }

    private static ConfigError Invalid(string toml)
    {
        var (settings, error) = ConfigLoader.Parse(toml, File);
        Assert.Null(settings);
        return error!;
    }

    [Fact]
    public void Empty_file_means_documented_defaults()
    {
        var s = Valid("");
        Assert.Equal("unix:///var/run/docker.sock", s.Docker.Host);
        Assert.Equal("", s.Disk.Path);
        Assert.Equal(80, s.Disk.HighWatermarkPercent);
        Assert.Equal(70, s.Disk.LowWatermarkPercent);
        Assert.Empty(s.Busy.StackPatterns);
        Assert.Equal(["tidemark.busy"], s.Busy.Labels);
        Assert.Equal(TimeSpan.FromHours(24), s.Prune.MinAge);
        Assert.Empty(s.Prune.Protect);
    }

    [Fact]
    public void Every_documented_key_is_read()
    {
        var s = Valid("""
            [docker]
            host = "unix:///run/docker.sock"
            [disk]
            path = "/srv/docker"
            high_watermark_percent = 90
            low_watermark_percent = 60
            [busy]
            stack_patterns = ['^[a-z0-9]{1,4}-[0-9a-f]{6}_ci_']
            service_patterns = ["^deploy-"]
            container_patterns = ["^runner-"]
            labels = ["ci.run", "phase=deploy"]
            [prune]
            min_age = "36h"
            protect = ["postgres:*", "registry.local/base/*"]
            [lock]
            path = "/tmp/t.lock"
            """);
        Assert.Equal("unix:///run/docker.sock", s.Docker.Host);
        Assert.Equal("/srv/docker", s.Disk.Path);
        Assert.Equal(90, s.Disk.HighWatermarkPercent);
        Assert.Equal(60, s.Disk.LowWatermarkPercent);
        Assert.Equal(["^[a-z0-9]{1,4}-[0-9a-f]{6}_ci_"], s.Busy.StackPatterns);
        Assert.Equal(["^deploy-"], s.Busy.ServicePatterns);
        Assert.Equal(["^runner-"], s.Busy.ContainerPatterns);
        Assert.Equal(["ci.run", "phase=deploy"], s.Busy.Labels);
        Assert.Equal(TimeSpan.FromHours(36), s.Prune.MinAge);
        Assert.Equal(["postgres:*", "registry.local/base/*"], s.Prune.Protect);
        Assert.Equal("/tmp/t.lock", s.Lock.Path);
    }

    [Fact]
    public void Dotted_and_inline_tables_work_like_sections()
    {
        var s = Valid("""
            disk.high_watermark_percent = 85
            prune = { min_age = "2d" }
            """);
        Assert.Equal(85, s.Disk.HighWatermarkPercent);
        Assert.Equal(TimeSpan.FromDays(2), s.Prune.MinAge);
    }

    [Fact]
    public void Unknown_key_names_line_key_and_the_known_keys()
    {
        var e = Invalid("""
            [disk]
            high_watermark_percent = 85
            hgh_watermark_percent = 90
            """);
        Assert.Equal(3, e.Line);
        Assert.Equal("[disk] hgh_watermark_percent", e.Key);
        Assert.Contains("high_watermark_percent", e.Message);
        Assert.StartsWith($"{File}:3: [disk] hgh_watermark_percent: unknown key", e.ToString());
    }

    [Fact]
    public void Unknown_section_is_an_error()
    {
        var e = Invalid("[dsk]\npath = \"/x\"\n");
        Assert.Equal(2, e.Line);
        Assert.Contains("unknown section [dsk]", e.Message);
    }

    [Fact]
    public void Empty_unknown_section_is_an_error()
    {
        var e = Invalid("[volumes]\n");
        Assert.Equal(1, e.Line);
        Assert.Contains("unknown section", e.Message);
    }

    [Fact]
    public void Top_level_key_is_an_error() =>
        Assert.Contains("belong in a section", Invalid("high_watermark_percent = 80\n").Message);

    [Theory]
    [InlineData("[disk]\nhigh_watermark_percent = \"80\"", "expected an integer")]
    [InlineData("[disk]\npath = 3", "expected a string")]
    [InlineData("[busy]\nlabels = \"tidemark.busy\"", "expected an array of strings")]
    [InlineData("[busy]\nlabels = [1, 2]", "expected an array of strings")]
    [InlineData("[prune]\nmin_age = 24", "expected a string")]
    public void Wrong_types_name_the_key_and_value(string toml, string expected)
    {
        var e = Invalid(toml);
        Assert.Equal(2, e.Line);
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("= ", e.Message);
    }

    [Theory]
    [InlineData("[disk]\nhigh_watermark_percent = 120", "from 1 to 100")]
    [InlineData("[disk]\nhigh_watermark_percent = 0", "from 1 to 100")]
    [InlineData("[disk]\nlow_watermark_percent = -5", "from 1 to 99")]
    public void Out_of_range_watermarks_are_errors(string toml, string expected)
    {
        var e = Invalid(toml);
        Assert.Contains(expected, e.Message);
        Assert.Contains("= ", e.Message);
    }

    [Fact]
    public void Inverted_watermarks_are_located_at_the_low_mark()
    {
        var e = Invalid("""
            [disk]
            low_watermark_percent = 85
            """);
        Assert.Equal("[disk] low_watermark_percent", e.Key);
        Assert.Equal(2, e.Line);
        Assert.Contains("must be below the high watermark 80%", e.Message);
    }

    [Fact]
    public void Bad_regex_is_reported_with_the_pattern()
    {
        var e = Invalid("[busy]\nstack_patterns = [\"^ok$\", \"^(ci\"]\n");
        Assert.Equal("[busy] stack_patterns", e.Key);
        Assert.Contains("bad regular expression '^(ci'", e.Message);
    }

    [Theory]
    [InlineData("1 day")]
    [InlineData("24")]
    [InlineData("h")]
    [InlineData("-3h")]
    public void Bad_durations_are_errors(string value)
    {
        var e = Invalid($"[prune]\nmin_age = \"{value}\"\n");
        Assert.Equal("[prune] min_age", e.Key);
        Assert.Contains("not a duration", e.Message);
    }

    [Fact]
    public void Remote_docker_host_is_refused() =>
        Assert.Contains("not a unix socket", Invalid("[docker]\nhost = \"tcp://10.1.1.1:2375\"\n").Message);

    [Fact]
    public void Invalid_toml_names_the_line()
    {
        var e = Invalid("[disk]\nhigh_watermark_percent = = 3\n");
        Assert.Equal(2, e.Line);
        Assert.Contains("not valid TOML", e.Message);
    }

    [Fact]
    public void Duplicate_keys_are_invalid_toml() =>
        Assert.Contains("not valid TOML", Invalid("[disk]\npath = \"/a\"\npath = \"/b\"\n").Message);

    [Fact]
    public void Missing_explicit_file_is_an_error_but_missing_default_is_not()
    {
        var (_, error) = ConfigLoader.Load("/nonexistent/tidemark.toml", TestContext.Current.CancellationToken);
        Assert.Equal("config file not found", error!.Message);
    }

    // Issue 7, defect 9: paths are checked at load, before anything acts on them.
    [Theory]
    [InlineData("[ledger]\npath = \"/\"\n", "[ledger] path", "is a directory")]
    [InlineData("[ledger]\npath = \"/var/lib/tidemark/\"\n", "[ledger] path", "is a directory")]
    [InlineData("[lock]\npath = \"/tmp\"\n", "[lock] path", "is a directory")]
    [InlineData("[disk]\npath = \"/var/lib/docker\\u0000/x\"\n", "[disk] path", "control character")]
    [InlineData("[ledger]\npath = \"/var/lib/t\\nresult: ok\"\n", "[ledger] path", "control character")]
    [InlineData("[ledger]\npath = \"relative.json\"\n", "[ledger] path", "absolute path")]
    [InlineData("[docker]\nhost = \"unix:///run/docker.sock\\u0000x\"\n", "[docker] host", "control character")]
    public void Unusable_paths_are_config_errors(string toml, string key, string message)
    {
        var e = Invalid(toml);
        Assert.Equal(key, e.Key);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Very_deep_nesting_is_a_config_error_not_a_crash()
    {
        var e = Invalid("[disk]\nx = " + new string('[', 100_000) + new string(']', 100_000) + "\n");
        Assert.Contains("not valid TOML", e.Message);
    }

    [Fact]
    public void A_protect_glob_that_can_never_match_is_warned_about_at_load()
    {
        var dir = Directory.CreateTempSubdirectory("tidemark-cfg-").FullName;
        try
        {
            var path = Path.Combine(dir, "t.toml");
            System.IO.File.WriteAllText(path, "[prune]\nprotect = [\"postgres\", \"postgres:*\"]\n");
            var (loaded, error) = ConfigLoader.Load(path, TestContext.Current.CancellationToken);
            Assert.Null(error);
            var warning = Assert.Single(loaded!.Warnings);
            Assert.Contains("'postgres' names no tag or digest", warning);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_config_that_is_a_directory_or_too_big_is_an_error()
    {
        var dir = Directory.CreateTempSubdirectory("tidemark-cfg-").FullName;
        try
        {
            Assert.Contains("is a directory", ConfigLoader.Load(dir, TestContext.Current.CancellationToken).Error!.Message);
            var big = Path.Combine(dir, "big.toml");
            System.IO.File.WriteAllText(big, "# " + new string('x', ConfigLoader.MaxBytes) + "\n");
            Assert.Contains("larger than", ConfigLoader.Load(big, TestContext.Current.CancellationToken).Error!.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_config_read_that_blocks_gives_way_to_cancellation()
    {
        // A FIFO with no writer blocks open(2) forever: SIGTERM must still be heard.
        var dir = Directory.CreateTempSubdirectory("tidemark-cfg-").FullName;
        var fifo = Path.Combine(dir, "fifo.toml");
        try
        {
            using (var mk = System.Diagnostics.Process.Start("mkfifo", [fifo]))
            {
                mk.WaitForExit();
            }

            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.ThrowsAny<OperationCanceledException>(() => ConfigLoader.Load(fifo, cancel.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        }
        finally
        {
            // Unblock the reader left behind, then clean up.
            using (var w = new FileStream(fifo, FileMode.Open, FileAccess.Write))
            {
            }

            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_value_is_shown_as_written_without_the_comment_after_it()
    {
        // Found writing the runbook: config show printed `"60s"  # comment` as min_age's value.
        var parsed = ConfigLoader.ParseAll("""
            [prune]
            min_age = "60s"  # a minute, for the demo
            protect = ["a:*", "b:*"] # two globs
            [disk]
            high_watermark_percent = 85 # the seed host's
            """, File);

        Assert.Empty(parsed.Errors);
        Assert.Equal("\"60s\"", parsed.KeyTexts["[prune] min_age"]);
        Assert.Equal("[\"a:*\", \"b:*\"]", parsed.KeyTexts["[prune] protect"]);
        Assert.Equal("85", parsed.KeyTexts["[disk] high_watermark_percent"]);
    }

    [Fact]
    public void A_bad_value_s_error_quotes_the_value_not_its_comment()
    {
        var e = Invalid("""
            [disk]
            high_watermark_percent = 140 # too much
            """);

        Assert.Contains("= 140:", e.Message);
        Assert.DoesNotContain("too much", e.Message);
    }
}
