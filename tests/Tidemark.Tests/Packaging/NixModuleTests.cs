using System.Text.Json;
using Tidemark.Cli;
using Tidemark.Cli.Configuration;
using Tidemark.Cli.Output;
using Tidemark.Cli.Signals;
using Tomlyn;
using Tomlyn.Model;

namespace Tidemark.Tests.Packaging;

/// <summary>
/// Issue 9: nix/module.nix evaluated for real with lib.evalModules (tests/nix/eval.nix: stub
/// NixOS options and a fake pkgs), compared with Tidemark's own config schema and `config show`,
/// and with the shipped unit files in packaging/systemd/. Without a nixpkgs lib every test falls
/// back to `nix-instantiate --parse` and says so in its output (NixEvaluator).
/// </summary>
public sealed class NixModuleTests(NixEvaluator nix) : IClassFixture<NixEvaluator>
{
    private const string Option = "services.tidemark.";

    /// <summary>The seed host (docs/nixos.md): the 80 % gate, its run-stack regex, a daily timer.</summary>
    private const string SeedHost = """
        {
          enable = true;
          checkConfig = false;
          dates = "daily";
          settings = {
            disk.high_watermark_percent = 80;
            busy.stack_patterns = [ "^[a-z0-9]{1,4}-[0-9a-f]{6}_ci_" ];
          };
        }
        """;

    /// <summary>Every key set, none to its default; strings that need escaping in TOML.</summary>
    private const string EveryKey = """
        {
          enable = true;
          checkConfig = false;
          mode = "watch";
          settings = {
            docker.host = "unix:///run/docker.sock";
            disk = {
              path = "/var/lib/docker";
              high_watermark_percent = 85;
              low_watermark_percent = 65;
              critical_watermark_percent = 95;
              inode_high_watermark_percent = 90;
              inode_low_watermark_percent = 60;
            };
            busy = {
              stack_patterns = [ "^[a-z0-9]{1,4}-[0-9a-f]{6}_ci_" "^deploy_" ];
              service_patterns = [ "^ci-" ];
              container_patterns = [ "^runner-\\d+$" "say \"hi\"" ];
              labels = [ "tidemark.busy" "ci.job=running" ];
            };
            prune = {
              min_age = "1d12h";
              protect = [ "postgres:*" "registry.local/base/*:*" ];
              stage2 = false;
              eviction_order = "lru";
              critical_min_age = "15m";
            };
            ledger.path = "/var/lib/tidemark/usage.json";
            watch.interval = "90s";
            converge = { max_wait = "0s"; ignore_services = [ "^flaky_" ]; };
            lock.path = "/run/tidemark/other.lock";
            registry.docker_config = "/home/deploy/.docker/config.json";
            swarm.worker_service_memory = "3d";
          };
        }
        """;

    [Fact]
    public void Defaults_and_option_types_cover_every_documented_key()
    {
        if (!nix.CanEvaluate())
        {
            return;
        }

        var r = Ok(nix.EvalModule("{ enable = true; }"));
        var cfg = r.GetProperty("cfg");
        Assert.Equal("timer", cfg.GetProperty("mode").GetString());
        Assert.Equal("daily", cfg.GetProperty("dates").GetString());
        Assert.True(cfg.GetProperty("checkConfig").GetBoolean());
        Assert.Equal(JsonValueKind.Null, cfg.GetProperty("metrics").GetProperty("file").ValueKind);
        Assert.Equal(JsonValueKind.Null, cfg.GetProperty("metrics").GetProperty("listen").ValueKind);
        Assert.EndsWith("-tidemark-0.1.0", cfg.GetProperty("package").GetString());

        var options = r.GetProperty("options").EnumerateArray().ToDictionary(
            o => o.GetProperty("name").GetString()!,
            o => (Type: o.GetProperty("type").GetString()!, Default: o.GetProperty("default").GetString()));
        Assert.Equal("one of \"timer\", \"watch\"", options[Option + "mode"].Type);
        Assert.Equal("\"daily\"", options[Option + "dates"].Default);
        Assert.Equal("package", options[Option + "package"].Type);

        // Every key Tidemark knows has an option defaulting to null (Tidemark's own default), and
        // every settings option is a key Tidemark knows: nothing the module writes is an unknown key.
        var leaves = options.Where(o => o.Key.StartsWith(Option + "settings.", StringComparison.Ordinal) && o.Value.Type != "submodule")
            .Select(o => o.Key).ToHashSet();
        foreach (var key in ConfigSchema.Keys)
        {
            var name = OptionName(key);
            Assert.True(options.ContainsKey(name), $"{key.Name} has no option {name}");
            Assert.Equal("null", options[name].Default);
            Assert.StartsWith("null or ", options[name].Type);
            Assert.Equal(JsonValueKind.Null, Setting(cfg, key).ValueKind);
            leaves.Remove(name);
        }

        Assert.Empty(leaves);

        // Types and ranges from docs/configuration.md.
        Assert.Equal("null or integer between 1 and 100 (both inclusive)", options[Option + "settings.disk.high_watermark_percent"].Type);
        Assert.Equal("null or integer between 1 and 99 (both inclusive)", options[Option + "settings.disk.low_watermark_percent"].Type);
        Assert.Equal("null or integer between 1 and 99 (both inclusive)", options[Option + "settings.disk.inode_low_watermark_percent"].Type);
        Assert.Equal("null or boolean", options[Option + "settings.prune.stage2"].Type);
        Assert.Equal("null or one of " + string.Join(", ", Tidemark.Core.Planning.EvictionOrders.All.Select(o => $"\"{o.Name}\"")),
            options[Option + "settings.prune.eviction_order"].Type);
        Assert.Equal("null or (list of string)", options[Option + "settings.busy.stack_patterns"].Type);
        Assert.Contains("duration of at least 1s", options[Option + "settings.watch.interval"].Type);

        // By default the file is checked with `tidemark config check` at build time, and that
        // checked file is the one the unit and /etc/tidemark/tidemark.toml use.
        var execStart = r.GetProperty("services").GetProperty("tidemark").GetProperty("serviceConfig").GetProperty("ExecStart").GetString()!;
        Assert.EndsWith("-tidemark-checked.toml", execStart);
        Assert.Equal(execStart.Split(' ')[^1], r.GetProperty("etc").GetProperty("tidemark/tidemark.toml").GetProperty("source").GetString());
        var script = r.GetProperty("configCheck").GetString()!;
        Assert.Contains("tidemark config check --config /nix/store/", script);
    }

    [Theory]
    [InlineData("seed host", SeedHost)]
    [InlineData("every key", EveryKey)]
    public async Task The_rendered_toml_is_what_tidemark_config_show_reads(string name, string settings)
    {
        if (!nix.CanEvaluate())
        {
            return;
        }

        // [metrics] (services.tidemark.metrics) is compared too once Tidemark's schema has it.
        var tidemark = ConfigSchema.Keys.Any(k => k.Section == "metrics") && name == "every key"
            ? $"({settings}) // {{ metrics = {{ file = \"/var/lib/tidemark-metrics/tidemark.prom\"; listen = \"127.0.0.1:9477\"; }}; }}"
            : settings;
        var r = Ok(nix.EvalModule(tidemark));
        var text = r.GetProperty("configText").GetString()!;
        var cfg = r.GetProperty("cfg");

        var dir = Directory.CreateTempSubdirectory("tidemark-nix-").FullName;
        try
        {
            var file = Path.Combine(dir, "tidemark.toml");
            await File.WriteAllTextAsync(file, text, TestContext.Current.CancellationToken);
            var output = new StringWriter();
            var console = new CliConsole(output, output, _ => null, false);
            using var shutdown = Shutdown.Manual();
            var code = await TidemarkCli.RunAsync(["config", "show", "--json", "--config", file], console, TimeProvider.System, shutdown);
            Assert.True(code == 0, $"{name}: tidemark config show refused the module's file (exit {code}):\n{text}\n{output}");

            var shown = JsonDocument.Parse(output.ToString()).RootElement.GetProperty("keys").EnumerateArray()
                .ToDictionary(k => $"[{k.GetProperty("section").GetString()}] {k.GetProperty("key").GetString()}");
            var set = 0;
            foreach (var key in ConfigSchema.Keys)
            {
                var expected = Setting(cfg, key);
                var reported = shown[key.Name];
                var source = reported.GetProperty("source").GetString()!;
                if (expected.ValueKind == JsonValueKind.Null)
                {
                    // Null in Nix: not written, so Tidemark's default applies.
                    Assert.True(source == "default", $"{name}: {key.Name} is null in Nix but comes from {source}");
                    continue;
                }

                set++;
                Assert.StartsWith(file + ":", source);
                var value = TomlSerializer.Deserialize<TomlTable>("v = " + reported.GetProperty("value").GetString())!["v"];
                Assert.True(SameValue(expected, value), $"{name}: {key.Name}: Nix {expected.GetRawText()}, Tidemark read {reported.GetProperty("value").GetString()}");
            }

            Assert.Equal(name == "seed host" ? 2 : ConfigSchema.Keys.Count, set);
            TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {set} keys, tidemark.toml as the module writes it:\n{text}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Metrics_are_written_as_a_metrics_table()
    {
        if (!nix.CanEvaluate())
        {
            return;
        }

        var r = Ok(nix.EvalModule("""{ enable = true; checkConfig = false; mode = "watch"; metrics = { file = "/var/lib/tidemark-metrics/tidemark.prom"; listen = "127.0.0.1:9477"; }; }"""));
        var toml = TomlSerializer.Deserialize<TomlTable>(r.GetProperty("configText").GetString()!)!;
        var metrics = Assert.IsType<TomlTable>(toml["metrics"]);
        Assert.Equal("/var/lib/tidemark-metrics/tidemark.prom", metrics["file"]);
        Assert.Equal("127.0.0.1:9477", metrics["listen"]);
        Assert.Single(toml); // nothing else: only what is set is written

        var empty = Ok(nix.EvalModule("{ enable = true; checkConfig = false; }"));
        Assert.Equal("", empty.GetProperty("configText").GetString());
    }

    [Theory]
    [InlineData("timer", "tidemark.service", "tidemark")]
    [InlineData("watch", "tidemark-watch.service", "tidemark-watch")]
    public void Each_unit_has_exactly_the_shipped_units_service_settings(string mode, string shipped, string unit)
    {
        if (!nix.CanEvaluate())
        {
            return;
        }

        var r = Ok(nix.EvalModule($$"""{ enable = true; mode = "{{mode}}"; }"""));
        var service = r.GetProperty("services").GetProperty(unit);
        var file = Path.Combine(nix.RepoRoot, "packaging/systemd", shipped);
        AssertServiceMatches(Section(file, "Service"), service.GetProperty("serviceConfig"), mode == "timer" ? "run" : "watch");

        var unitSection = Section(file, "Unit").ToLookup(p => p.Key, p => p.Value);
        Assert.Equal(unitSection["Description"].Single(), service.GetProperty("description").GetString());
        Assert.Equal(unitSection["Documentation"].Single(), Words(service.GetProperty("documentation")));
        Assert.Equal(unitSection["After"].Single(), Words(service.GetProperty("after")));
        if (mode == "watch")
        {
            Assert.Equal(Section(file, "Install").Single(p => p.Key == "WantedBy").Value, Words(service.GetProperty("wantedBy")));
        }
        else
        {
            // Started by the timer only.
            Assert.False(service.TryGetProperty("wantedBy", out _));
            var timerFile = Path.Combine(nix.RepoRoot, "packaging/systemd/tidemark.timer");
            var timer = r.GetProperty("timers").GetProperty("tidemark");
            Assert.Equal(Lines(Section(timerFile, "Timer")), Lines(Settings(timer.GetProperty("timerConfig"))));
            Assert.Equal(Section(timerFile, "Install").Single(p => p.Key == "WantedBy").Value, Words(timer.GetProperty("wantedBy")));
            Assert.Equal(Section(timerFile, "Unit").Single(p => p.Key == "Description").Value, timer.GetProperty("description").GetString());
        }
    }

    [Fact]
    public void A_metrics_listener_gets_what_the_shipped_drop_in_gives_and_no_more()
    {
        if (!nix.CanEvaluate())
        {
            return;
        }

        var r = Ok(nix.EvalModule("""{ enable = true; mode = "watch"; metrics.listen = "127.0.0.1:9477"; }"""));
        var shipped = Section(Path.Combine(nix.RepoRoot, "packaging/systemd/tidemark-watch.service"), "Service");
        var dropIn = Section(Path.Combine(nix.RepoRoot, "packaging/systemd/tidemark-watch-metrics.conf"), "Service");
        // The drop-in's keys replace the unit's (for RestrictAddressFamilies and IPAddressDeny,
        // which systemd merges, the union is the same).
        var effective = shipped.Where(p => dropIn.All(d => d.Key != p.Key)).Concat(dropIn).ToList();
        AssertServiceMatches(effective, r.GetProperty("services").GetProperty("tidemark-watch").GetProperty("serviceConfig"), "watch");

        // Served only by watch: in timer mode it is an assertion.
        var timer = Ok(nix.EvalModule("""{ enable = true; metrics.listen = "127.0.0.1:9477"; }"""));
        Assert.Contains(timer.GetProperty("failedAssertions").EnumerateArray(), m => m.GetString()!.Contains("metrics.listen is served by `tidemark watch` only"));
    }

    [Theory]
    [InlineData("timer", "tidemark")]
    [InlineData("watch", "tidemark-watch")]
    public void A_metrics_file_gets_a_directory_of_its_own_that_the_collector_can_read(string mode, string unit)
    {
        if (!nix.CanEvaluate())
        {
            return;
        }

        var r = Ok(nix.EvalModule($$"""{ enable = true; mode = "{{mode}}"; metrics.file = "/var/lib/tidemark-metrics/tidemark.prom"; }"""));

        // As the shipped drop-in: the directory opened in the sandbox, made 0775 root:docker.
        var dropIn = Section(Path.Combine(nix.RepoRoot, "packaging/systemd/tidemark-metrics-file.conf"), "Service");
        var serviceConfig = r.GetProperty("services").GetProperty(unit).GetProperty("serviceConfig");
        Assert.Equal(dropIn.Single(p => p.Key == "ReadWritePaths").Value, Words(serviceConfig.GetProperty("ReadWritePaths")));
        Assert.Contains("install -d -m 0775 -o root -g docker /var/lib/tidemark-metrics", dropIn.Single(p => p.Key == "ExecStartPre").Value);
        Assert.Equal(["d /var/lib/tidemark-metrics 0775 root docker - -"], r.GetProperty("tmpfiles").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(r.GetProperty("warnings").EnumerateArray());

        // In the service's private state directory no collector could read it: said, not made.
        var hidden = Ok(nix.EvalModule($$"""{ enable = true; mode = "{{mode}}"; metrics.file = "/var/lib/tidemark/tidemark.prom"; }"""));
        Assert.Contains(hidden.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("node_exporter cannot read it there"));
        Assert.Empty(hidden.GetProperty("tmpfiles").EnumerateArray());
    }

    [Fact]
    public void Autoprune_and_tidemark_together_fail_evaluation_saying_why()
    {
        if (!nix.CanEvaluate())
        {
            return;
        }

        var r = Ok(nix.EvalModule("{ enable = true; }", autoPrune: true));
        var message = Assert.Single(r.GetProperty("failedAssertions").EnumerateArray()).GetString()!;
        Assert.Contains("virtualisation.docker.autoPrune.enable is true", message);
        Assert.Contains("--all", message);
        Assert.Contains("warm cache", message);
        Assert.Contains("Set virtualisation.docker.autoPrune.enable = false", message);

        // As NixOS's toplevel does with a failed assertion: the evaluation stops, with the message.
        var (code, _, error) = nix.EvalModule("{ enable = true; }", autoPrune: true, select: "r.checked");
        Assert.NotEqual(0, code);
        Assert.Contains("Failed assertions", error);
        Assert.Contains("warm cache", error);

        Assert.Empty(Ok(nix.EvalModule("{ enable = true; }")).GetProperty("failedAssertions").EnumerateArray());
        // Only when Tidemark is enabled.
        Assert.Empty(Ok(nix.EvalModule("{ enable = false; }", autoPrune: true)).GetProperty("failedAssertions").EnumerateArray());
    }

    [Fact]
    public void Watch_mode_makes_the_watch_service_and_no_timer()
    {
        if (!nix.CanEvaluate())
        {
            return;
        }

        var watch = Ok(nix.EvalModule("""{ enable = true; mode = "watch"; }"""));
        Assert.Equal(["tidemark-watch"], Names(watch.GetProperty("services")));
        Assert.Empty(Names(watch.GetProperty("timers")));

        var timer = Ok(nix.EvalModule("""{ enable = true; dates = "*-*-* 00/4:00:00"; }"""));
        Assert.Equal(["tidemark"], Names(timer.GetProperty("services")));
        Assert.Equal(["tidemark"], Names(timer.GetProperty("timers")));
        Assert.Equal("*-*-* 00/4:00:00", timer.GetProperty("timers").GetProperty("tidemark").GetProperty("timerConfig").GetProperty("OnCalendar").GetString());

        var off = Ok(nix.EvalModule("{ enable = false; }"));
        Assert.Empty(Names(off.GetProperty("services")));
        Assert.Empty(Names(off.GetProperty("timers")));
        Assert.Empty(off.GetProperty("etc").EnumerateObject());

        // NixOS's autoPrune owns docker-prune.service and docker-prune.timer.
        Assert.DoesNotContain(Names(watch.GetProperty("services")).Concat(Names(timer.GetProperty("services"))).Concat(Names(timer.GetProperty("timers"))),
            n => n.StartsWith("docker-prune", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("settings.disk.high_watermark_percent = 140;", "settings.disk.high_watermark_percent", "is not of type")]
    [InlineData("settings.disk.high_watermark_percent = \"80\";", "settings.disk.high_watermark_percent", "is not of type")]
    [InlineData("settings.disk.low_watermark_percent = 100;", "settings.disk.low_watermark_percent", "is not of type")]
    [InlineData("settings.disk.hgh_watermark_percent = 80;", "settings.disk.hgh_watermark_percent", "does not exist")]
    [InlineData("settings.dsk.path = \"/\";", "settings.dsk", "does not exist")]
    [InlineData("settings.prune.min_age = \"1 day\";", "settings.prune.min_age", "is not of type")]
    [InlineData("settings.prune.eviction_order = \"fifo\";", "settings.prune.eviction_order", "is not of type")]
    [InlineData("settings.prune.stage2 = \"yes\";", "settings.prune.stage2", "is not of type")]
    [InlineData("settings.busy.stack_patterns = \"^ci_\";", "settings.busy.stack_patterns", "is not of type")]
    [InlineData("settings.busy.labels = [ \"=x\" ];", "settings.busy.labels", "is not of type")]
    [InlineData("settings.watch.interval = \"500ms\";", "settings.watch.interval", "is not of type")]
    [InlineData("settings.ledger.path = \"ledger.json\";", "settings.ledger.path", "is not of type")]
    [InlineData("settings.lock.path = \"/run/tidemark/\";", "settings.lock.path", "is not of type")]
    [InlineData("settings.docker.host = \"tcp://10.0.0.1:2375\";", "settings.docker.host", "is not of type")]
    [InlineData("mode = \"cron\";", "mode", "is not of type")]
    public void A_wrong_setting_fails_evaluation_naming_the_option(string setting, string option, string why)
    {
        if (!nix.CanEvaluate())
        {
            return;
        }

        var (code, _, error) = nix.EvalModule($$"""{ enable = true; {{setting}} }""");
        Assert.True(code != 0, $"{setting} evaluated");
        Assert.Contains(Option + option, error);
        Assert.Contains(why, error);
    }

    [Theory]
    [InlineData("disk = { high_watermark_percent = 80; low_watermark_percent = 85; };", "low watermark 85% must be below the high watermark 80%")]
    [InlineData("disk.low_watermark_percent = 80;", "low watermark 80% must be below the high watermark 80%")]
    [InlineData("disk = { high_watermark_percent = 85; critical_watermark_percent = 84; };", "critical watermark 84% must be at or above the high watermark 85%")]
    [InlineData("disk.inode_high_watermark_percent = 60;", "inode low watermark 70% must be below the inode high watermark 60%")]
    public void Inverted_watermarks_fail_the_assertions_as_tidemark_would(string settings, string message)
    {
        if (!nix.CanEvaluate())
        {
            return;
        }

        var r = Ok(nix.EvalModule($$"""{ enable = true; settings = { {{settings}} }; }"""));
        Assert.Contains(r.GetProperty("failedAssertions").EnumerateArray(), m => m.GetString()!.Contains(message));
    }

    [Fact]
    public void The_flake_exposes_the_package_the_module_and_an_overlay()
    {
        if (!nix.CanEvaluate())
        {
            return;
        }

        // Against a fake nixpkgs (tests/nix/flake-eval.nix): no network, no tarball needed.
        var r = Ok(nix.Eval($"import {NixEvaluator.Str(Path.Combine(nix.RepoRoot, "tests/nix/flake-eval.nix"))} {{ lib = import {NixEvaluator.Str(nix.Lib!)}; }}"));
        var outputs = r.GetProperty("outputs");
        Assert.Equal(["x86_64-linux"], outputs.GetProperty("packages").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(["default"], outputs.GetProperty("nixosModules").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(["default"], outputs.GetProperty("overlays").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal("tidemark", r.GetProperty("pname").GetString());
        Assert.Equal(VersionInfo.Text, r.GetProperty("version").GetString());
        Assert.Equal(VersionInfo.Text, r.GetProperty("overlayVersion").GetString());
        Assert.Equal("tidemark", r.GetProperty("mainProgram").GetString());
        Assert.Contains("auto-patchelf-hook", r.GetProperty("nativeBuildInputs").EnumerateArray().Select(e => e.GetString()));
        // The crypto shim dlopen()s libssl: it must be on the binary's RUNPATH.
        Assert.Contains(r.GetProperty("runtimeDependencies").EnumerateArray(), e => e.GetString()!.StartsWith("openssl", StringComparison.Ordinal));
        Assert.True(r.GetProperty("modulePackageIsPackageNix").GetBoolean());
        Assert.Contains("/bin/tidemark run --config ", r.GetProperty("moduleExecStart").GetString());
    }

    private static JsonElement Ok((int Code, JsonElement? Result, string Error) eval)
    {
        Assert.True(eval.Code == 0, "nix-instantiate failed:\n" + eval.Error);
        return eval.Result!.Value;
    }

    private static string OptionName(ConfigKey key) =>
        key.Section == "metrics" ? $"{Option}metrics.{key.Key}" : $"{Option}settings.{key.Section}.{key.Key}";

    private static JsonElement Setting(JsonElement cfg, ConfigKey key) =>
        key.Section == "metrics"
            ? cfg.GetProperty("metrics").GetProperty(key.Key)
            : cfg.GetProperty("settings").GetProperty(key.Section).GetProperty(key.Key);

    private static bool SameValue(JsonElement nixValue, object? toml) => (nixValue.ValueKind, toml) switch
    {
        (JsonValueKind.Number, long l) => nixValue.GetInt64() == l,
        (JsonValueKind.True, bool b) => b,
        (JsonValueKind.False, bool b) => !b,
        (JsonValueKind.String, string s) => nixValue.GetString() == s,
        (JsonValueKind.Array, TomlArray a) => nixValue.GetArrayLength() == a.Count
            && nixValue.EnumerateArray().Zip(a).All(p => SameValue(p.First, p.Second)),
        _ => false,
    };

    private static void AssertServiceMatches(List<(string Key, string Value)> shipped, JsonElement serviceConfig, string command)
    {
        var generated = Settings(serviceConfig);
        var exec = Assert.Single(generated, p => p.Key == "ExecStart").Value;
        Assert.Matches($"^/nix/store/[^ ]+/bin/tidemark {command} --config /nix/store/[^ ]+$", exec);
        Assert.Equal($"/usr/local/bin/tidemark {command}", Assert.Single(shipped, p => p.Key == "ExecStart").Value);
        Assert.Equal(
            Lines(shipped.Where(p => p.Key != "ExecStart")),
            Lines(generated.Where(p => p.Key != "ExecStart")));
    }

    /// <summary>
    /// A section of a unit file: its Key=Value lines in order, comments left out; yes/no read as
    /// true/false, as systemd reads them (and as NixOS writes Nix booleans).
    /// </summary>
    private static List<(string Key, string Value)> Section(string file, string section)
    {
        var pairs = new List<(string, string)>();
        string? current = null;
        foreach (var raw in File.ReadAllLines(file))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                current = line[1..^1];
                continue;
            }

            if (current == section)
            {
                var eq = line.IndexOf('=', StringComparison.Ordinal);
                var value = line[(eq + 1)..].Trim();
                pairs.Add((line[..eq].Trim(), value switch { "yes" => "true", "no" => "false", _ => value }));
            }
        }

        Assert.True(pairs.Count > 0, $"{file} has no [{section}] settings");
        return pairs;
    }

    /// <summary>NixOS's serviceConfig as unit lines, as NixOS writes them: a list is one line per item, a boolean true/false.</summary>
    private static List<(string Key, string Value)> Settings(JsonElement attrs) =>
        attrs.EnumerateObject()
            .SelectMany(p => p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().Select(v => (p.Name, v)) : [(p.Name, p.Value)])
            .Select(p => (p.Name, p.Item2.ValueKind switch
            {
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Number => p.Item2.GetRawText(),
                _ => p.Item2.GetString()!,
            }))
            .ToList();

    /// <summary>Sorted by key, each key's values in their order: one line each, for a readable diff.</summary>
    private static string Lines(IEnumerable<(string Key, string Value)> pairs) =>
        string.Join('\n', pairs.GroupBy(p => p.Key).OrderBy(g => g.Key, StringComparer.Ordinal).SelectMany(g => g.Select(p => $"{p.Key}={p.Value}")));

    private static string Words(JsonElement list) => string.Join(' ', list.EnumerateArray().Select(e => e.GetString()));

    private static List<string> Names(JsonElement attrs) => attrs.EnumerateObject().Select(p => p.Name).ToList();
}
