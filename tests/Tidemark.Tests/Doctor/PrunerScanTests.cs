using System.Diagnostics;
using Tidemark.Cli.Doctor;
using Tidemark.Tests.Support;

namespace Tidemark.Tests.Doctor;

/// <summary>Issue 10: competing pruners found in fixture unit, timer, cron and script files under a temporary root.</summary>
public sealed class PrunerScanTests : IDisposable
{
    private readonly FakeRoot _root = new();

    public void Dispose() => _root.Dispose();

    private PrunerScanResult Scan() => PrunerScan.Scan(_root.Root);

    private const string PruneAllUnit = """
        [Unit]
        Description=Nightly Docker cleanup

        [Service]
        Type=oneshot
        # ExecStart=/usr/bin/docker system prune -af (the old way)
        ExecStartPre=-/usr/bin/docker ps
        ExecStart=-/bin/sh -c '/usr/bin/docker system prune \
            --all --force \
            --filter until=24h'
        """;

    [Fact]
    public void An_empty_root_is_one_ok_line_saying_what_was_scanned()
    {
        _root.Dir("/etc/systemd/system").Dir("/etc/cron.d").File("/etc/crontab", "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n");

        var scan = Scan();

        Assert.Empty(scan.Findings);
        Assert.Empty(scan.Notes);
        var line = Assert.Single(PrunerChecks.From(scan));
        Assert.Equal(CheckStatus.Ok, line.Status);
        Assert.Equal("pruners", line.Area);
        Assert.Equal(
            $"no other pruner: 1 systemd unit, cron and script files read ({_root.Host("/etc/systemd/system")}, {_root.Host("/etc/crontab")}, {_root.Host("/etc/cron.d")})",
            line.Evidence);
    }

    [Fact]
    public void A_service_with_an_enabled_timer_is_named_with_its_schedule_and_fails_for_all()
    {
        _root.File("/etc/systemd/system/docker-cleanup.service", PruneAllUnit)
            .File("/etc/systemd/system/docker-cleanup.timer", "[Timer]\nOnCalendar=\nOnCalendar=*-*-* 03:00:00\nPersistent=true\n")
            .Link("/etc/systemd/system/timers.target.wants/docker-cleanup.timer", "/etc/systemd/system/docker-cleanup.timer");

        var finding = Assert.Single(Scan().Findings);

        Assert.Equal(_root.Host("/etc/systemd/system/docker-cleanup.service"), finding.File);
        Assert.Equal(8, finding.Line);
        Assert.Equal(new PruneCommand(PruneKind.SystemPrune, true, false), finding.Prune);
        Assert.Equal(("docker-cleanup.service", "docker-cleanup.timer", true, "OnCalendar=*-*-* 03:00:00"), (finding.Unit, finding.Timer, finding.TimerEnabled, finding.Schedule));
        Assert.Null(finding.Inactive);
        Assert.Equal(CheckStatus.Fail, finding.Status);

        var line = Assert.Single(PrunerChecks.From(Scan()));
        Assert.Equal(CheckStatus.Fail, line.Status);
        Assert.Equal(
            $"{finding.File}:8: docker system prune --all removes every unused image; docker-cleanup.service, started by docker-cleanup.timer (enabled, OnCalendar=*-*-* 03:00:00): " +
            "ExecStart=-/bin/sh -c '/usr/bin/docker system prune  --all --force  --filter until=24h'",
            line.Evidence);
        Assert.Equal("systemctl disable --now docker-cleanup.timer (Tidemark replaces it)", line.Remedy);
        Assert.Equal(finding.File, line.Facts!["file"]);
        Assert.Equal(8, line.Facts["line"]);
        Assert.Equal("SystemPrune", line.Facts["kind"]);
        Assert.Equal(true, line.Facts["all"]);
        Assert.Equal("docker-cleanup.timer", line.Facts["timer"]);
        Assert.Equal(true, line.Facts["timerEnabled"]);
    }

    [Fact]
    public void Every_unit_directory_is_read_and_a_timer_not_enabled_makes_it_a_warning()
    {
        _root.File("/run/systemd/system/a.service", "[Service]\nExecStart=/usr/bin/docker image prune -a -f\n")
            .File("/run/systemd/system/a.timer", "[Timer]\nOnBootSec=1h\nOnUnitActiveSec=1d\n")
            .File("/usr/local/lib/systemd/system/b.service", "[Service]\nExecStart=@/usr/bin/docker docker rmi old:1\n")
            .File("/usr/lib/systemd/system/c.service", "[Service]\nExecStop=/usr/bin/docker volume prune -f\n")
            .File("/lib/systemd/system/d.service", "[Service]\nExecReload=docker container prune -f\n")
            .File("/lib/systemd/system/d.timer", "[Timer]\nUnit=e.service\nOnCalendar=weekly\n")
            .File("/etc/systemd/system/e.service", "[Service]\nExecStartPost=docker builder prune -f\n")
            .Link("/etc/systemd/system/multi-user.target.wants/d.service", "/lib/systemd/system/d.service");

        var findings = Scan().Findings.ToDictionary(f => f.Unit!);

        Assert.Equal(["a.service", "b.service", "c.service", "d.service", "e.service"], findings.Keys.Order());
        Assert.Equal((PruneKind.ImagePrune, _root.Host("/run/systemd/system/a.service"), "a.timer", "OnBootSec=1h, OnUnitActiveSec=1d"),
            (findings["a.service"].Prune.Kind, findings["a.service"].File, findings["a.service"].Timer, findings["a.service"].Schedule));
        Assert.Equal("its timer a.timer is not enabled", findings["a.service"].Inactive);
        Assert.Equal(CheckStatus.Warn, findings["a.service"].Status);
        Assert.Equal(PruneKind.ImageRemove, findings["b.service"].Prune.Kind);
        Assert.Equal("not enabled, and no timer starts it", findings["b.service"].Inactive);
        Assert.Equal(PruneKind.VolumePrune, findings["c.service"].Prune.Kind);
        Assert.Equal((PruneKind.ContainerPrune, null, null), (findings["d.service"].Prune.Kind, findings["d.service"].Timer, findings["d.service"].Inactive));
        Assert.Equal(("d.timer", "OnCalendar=weekly"), (findings["e.service"].Timer, findings["e.service"].Schedule));

        var lines = PrunerChecks.From(Scan());
        Assert.All(lines, l => Assert.Equal(CheckStatus.Warn, l.Status));
        Assert.Contains(lines, l => l.Evidence.Contains("docker volume prune removes unused volumes and their data, which Tidemark never touches", StringComparison.Ordinal)
            && l.Remedy!.Contains("Tidemark does not replace it", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Evidence.Contains("overlaps Tidemark's stage 1", StringComparison.Ordinal));
    }

    [Fact]
    public void A_unit_in_etc_shadows_the_same_unit_in_lib_and_a_merged_usr_is_read_once()
    {
        _root.File("/usr/lib/systemd/system/prune.service", "[Service]\nExecStart=docker system prune -af\n")
            .Link("/lib", "usr/lib")
            .File("/etc/systemd/system/prune.service", "[Service]\nExecStart=docker image prune -f\n");

        var scan = Scan();

        var finding = Assert.Single(scan.Findings);
        Assert.Equal(_root.Host("/etc/systemd/system/prune.service"), finding.File);
        Assert.DoesNotContain(_root.Host("/lib/systemd/system"), scan.Locations);
    }

    [Fact]
    public void A_masked_timer_and_a_drop_in_that_resets_exec_start_are_honoured()
    {
        _root.File("/lib/systemd/system/prune.service", "[Service]\nExecStart=docker system prune -af\n")
            .File("/lib/systemd/system/prune.timer", "[Timer]\nOnCalendar=daily\n")
            .Link("/etc/systemd/system/timers.target.wants/prune.timer", "/lib/systemd/system/prune.timer")
            .Link("/etc/systemd/system/prune.timer", "/dev/null")
            .File("/lib/systemd/system/other.service", "[Service]\nExecStart=docker system prune -af\n")
            .File("/etc/systemd/system/other.service.d/override.conf", "[Service]\nExecStart=\nExecStart=/usr/bin/true\n")
            .File("/etc/systemd/system/masked-by-empty.service", "")
            .File("/lib/systemd/system/masked-by-empty.service", "[Service]\nExecStart=docker system prune -af\n");

        var finding = Assert.Single(Scan().Findings);

        Assert.Equal("prune.service", finding.Unit);
        Assert.Null(finding.Timer);
        Assert.Equal(CheckStatus.Warn, finding.Status);
    }

    [Fact]
    public void NixOS_units_linked_into_the_store_are_followed_inside_the_root()
    {
        // /etc/systemd/system → /etc/static/systemd/system → /nix/store/…-etc/etc/systemd/system,
        // each unit a link to its own store path, the prune in the unit's script.
        const string Etc = "/nix/store/0a1b-etc/etc";
        const string Script = "/nix/store/2c3d-unit-script-docker-prune-start/bin/docker-prune-start";
        _root.Link("/etc/static", Etc)
            .Link("/etc/systemd/system", "/etc/static/systemd/system")
            .Link(Etc + "/systemd/system/docker-prune.service", "/nix/store/4e5f-unit-docker-prune.service/docker-prune.service")
            .File("/nix/store/4e5f-unit-docker-prune.service/docker-prune.service",
                "[Unit]\nAfter=docker.service\nDescription=Prune docker resources\n\n[Service]\nEnvironment=\"PATH=/nix/store/6a7b-coreutils/bin\"\n" +
                $"ExecStart={Script}\nType=oneshot\n")
            .File(Script, "#!/nix/store/8c9d-bash-5.2/bin/bash\nset -e\n/nix/store/0e1f-docker-24.0.9/bin/docker system prune -f --all --filter until=24h\n", executable: true)
            .Link(Etc + "/systemd/system/docker-prune.timer", "/nix/store/2a3b-unit-docker-prune.timer/docker-prune.timer")
            .File("/nix/store/2a3b-unit-docker-prune.timer/docker-prune.timer", "[Timer]\nOnCalendar=daily\nPersistent=true\nRandomizedDelaySec=1800\n")
            .Link(Etc + "/systemd/system/timers.target.wants/docker-prune.timer", "/nix/store/2a3b-unit-docker-prune.timer/docker-prune.timer")
            .Link(Etc + "/systemd/system/gone.service", "/nix/store/0000-gone/gone.service");

        var scan = Scan();

        Assert.Empty(scan.Notes);
        var finding = Assert.Single(scan.Findings);
        Assert.True(finding.NixosAutoPrune);
        Assert.Equal((_root.Host(Script), 3), (finding.File, finding.Line));
        Assert.Equal((_root.Host("/etc/systemd/system/docker-prune.service"), 7), (finding.ViaFile, finding.ViaLine));
        Assert.Equal(("docker-prune.timer", true, "OnCalendar=daily"), (finding.Timer, finding.TimerEnabled, finding.Schedule));
        Assert.Equal(CheckStatus.Fail, finding.Status);
        var line = Assert.Single(PrunerChecks.From(scan));
        Assert.StartsWith("NixOS virtualisation.docker.autoPrune: ", line.Evidence);
        Assert.Contains($", run from {_root.Host("/etc/systemd/system/docker-prune.service")}:7: ", line.Evidence);
        Assert.Equal("set virtualisation.docker.autoPrune.enable = false; and rebuild (Tidemark replaces it; see docs/nixos.md)", line.Remedy);
        Assert.Equal(true, line.Facts!["nixosAutoPrune"]);
    }

    [Fact]
    public void NixOS_docker_prune_without_its_timer_is_autoPrune_off_and_not_a_finding()
    {
        _root.Link("/etc/systemd/system/docker-prune.service", "/nix/store/4e5f-unit-docker-prune.service/docker-prune.service")
            .File("/nix/store/4e5f-unit-docker-prune.service/docker-prune.service", "[Service]\nExecStart=/nix/store/2c3d-unit-script-docker-prune-start/bin/docker-prune-start\n")
            .File("/nix/store/2c3d-unit-script-docker-prune-start/bin/docker-prune-start", "#!/bin/sh\ndocker system prune -f\n", executable: true);

        var scan = Scan();

        Assert.Empty(scan.Findings);
        var lines = PrunerChecks.From(scan);
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal(CheckStatus.Ok, l.Status));
        Assert.Contains("NixOS virtualisation.docker.autoPrune is off", lines[1].Evidence);
    }

    [Fact]
    public void NixOS_docker_prune_with_a_timer_is_reported_even_when_its_script_is_not_there()
    {
        _root.File("/etc/systemd/system/docker-prune.service", "[Service]\nExecStart=/nix/store/2c3d-unit-script-docker-prune-start/bin/docker-prune-start\n")
            .File("/etc/systemd/system/docker-prune.timer", "[Timer]\nOnCalendar=weekly\n")
            .Link("/etc/systemd/system/timers.target.wants/docker-prune.timer", "../docker-prune.timer");

        var finding = Assert.Single(Scan().Findings);

        Assert.True(finding.NixosAutoPrune);
        Assert.Equal(("docker-prune.timer", true, 2), (finding.Timer, finding.TimerEnabled, finding.Line));
        Assert.Equal(CheckStatus.Warn, finding.Status);
    }

    [Fact]
    public void Tidemarks_own_units_are_not_pruners()
    {
        var units = Path.Combine(ExternalTool.RepoRoot(), "packaging", "systemd");
        foreach (var file in Directory.GetFiles(units))
        {
            var name = Path.GetFileName(file);
            var target = name.EndsWith(".conf", StringComparison.Ordinal) ? $"/etc/systemd/system/tidemark.service.d/{name}" : $"/lib/systemd/system/{name}";
            _root.File(target, File.ReadAllText(file));
        }

        _root.File("/usr/local/bin/tidemark", "\u007fELF not a script");

        var scan = Scan();

        Assert.Empty(scan.Findings);
        Assert.True(scan.FilesRead >= 5, $"read {scan.FilesRead}");
    }

    [Fact]
    public void Cron_tables_of_every_kind_are_read_with_their_schedules()
    {
        _root.File("/etc/crontab", """
                SHELL=/bin/sh
                PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin
                # m h dom mon dow user  command
                17 *  * * * root  cd / && run-parts --report /etc/cron.hourly
                30 3  * * * root  docker system prune -af --filter until=24h > /dev/null 2>&1
                """)
            .File("/etc/cron.d/docker", "MAILTO=\"\"\n@daily root /usr/bin/docker image prune -f\n0 4 * * 0 root docker rmi $(docker images -qf dangling=true) %ignored docker system prune -af\n")
            .File("/etc/anacrontab", "SHELL=/bin/sh\nRANDOM_DELAY=5\n1\t5\tcron.daily\trun-parts --report /etc/cron.daily\n@monthly 15 docker.prune docker volume prune -f\n")
            .File("/etc/cron.daily/docker-prune", "#!/bin/sh\nset -e\n# prune\n/usr/bin/docker image prune \\\n  --all --force\n", executable: true)
            .File("/etc/cron.weekly/docker-prune", "#!/bin/sh\ndocker system prune -af\n")
            .File("/etc/cron.monthly/prune.sh", "#!/bin/sh\ndocker system prune -af\n", executable: true)
            .File("/var/spool/cron/crontabs/root", "# DO NOT EDIT THIS FILE\n@weekly docker builder prune -af\n")
            .File("/var/spool/cron/deploy", "*/30 * * * * docker container prune -f\n")
            .Dir("/var/spool/cron/atjobs");

        var scan = Scan();

        Assert.Empty(scan.Notes);
        Assert.Equal(
            [
                ("/etc/crontab", 5, PruneKind.SystemPrune, "30 3 * * *", CheckStatus.Fail),
                ("/etc/cron.d/docker", 2, PruneKind.ImagePrune, "@daily", CheckStatus.Warn),
                ("/etc/cron.d/docker", 3, PruneKind.ImageRemove, "0 4 * * 0", CheckStatus.Warn),
                ("/etc/anacrontab", 4, PruneKind.VolumePrune, "@monthly 15 docker.prune", CheckStatus.Warn),
                ("/etc/cron.daily/docker-prune", 4, PruneKind.ImagePrune, "daily", CheckStatus.Fail),
                ("/etc/cron.weekly/docker-prune", 2, PruneKind.SystemPrune, "weekly", CheckStatus.Warn),
                ("/etc/cron.monthly/prune.sh", 2, PruneKind.SystemPrune, "monthly", CheckStatus.Warn),
                ("/var/spool/cron/crontabs/root", 2, PruneKind.BuilderPrune, "@weekly", CheckStatus.Warn),
                ("/var/spool/cron/deploy", 1, PruneKind.ContainerPrune, "*/30 * * * *", CheckStatus.Warn),
            ],
            scan.Findings.Select(f => (f.File[_root.Root.Length..], f.Line, f.Prune.Kind, f.Schedule, f.Status)));
        Assert.Equal("not executable: run-parts skips it", scan.Findings[5].Inactive);
        Assert.Equal("run-parts skips a name with a dot or other characters", scan.Findings[6].Inactive);
        Assert.Equal(PrunerSource.Anacron, scan.Findings[3].Source);
        Assert.Equal(PrunerSource.CronScript, scan.Findings[4].Source);

        var lines = PrunerChecks.From(scan);
        Assert.Equal(
            $"{_root.Host("/etc/crontab")}:5: docker system prune --all removes every unused image; cron (30 3 * * *): 30 3  * * * root  docker system prune -af --filter until=24h > /dev/null 2>&1",
            lines[0].Evidence);
        Assert.Equal($"remove or comment out line 5 of {_root.Host("/etc/crontab")} (Tidemark replaces it)", lines[0].Remedy);
        Assert.Equal($"remove {_root.Host("/etc/cron.daily/docker-prune")} or chmod -x it (Tidemark replaces it)", lines[4].Remedy);
        Assert.Contains("run weekly by cron (not executable: run-parts skips it)", lines[5].Evidence);
    }

    [Fact]
    public void A_script_run_from_cron_is_read_and_the_finding_names_both()
    {
        _root.File("/etc/cron.d/cleanup", "15 2 * * * root /usr/local/sbin/docker-cleanup --quiet\n")
            .File("/usr/local/sbin/docker-cleanup", "#!/bin/bash\nlog() { logger -t cleanup \"$*\"; }\nlog 'docker system prune -af'\ndocker system prune --all --force\n", executable: true);

        var finding = Assert.Single(Scan().Findings);

        Assert.Equal((_root.Host("/usr/local/sbin/docker-cleanup"), 4), (finding.File, finding.Line));
        Assert.Equal((_root.Host("/etc/cron.d/cleanup"), 1), (finding.ViaFile, finding.ViaLine));
        Assert.Equal("15 2 * * *", finding.Schedule);
        var line = Assert.Single(PrunerChecks.From(Scan()));
        Assert.Equal($"remove or comment out line 1 of {_root.Host("/etc/cron.d/cleanup")} (Tidemark replaces it)", line.Remedy);
    }

    [Fact]
    public void Comments_echoes_compose_and_other_docker_commands_are_not_findings()
    {
        _root.File("/etc/crontab", """
                # 30 3 * * * root docker system prune -af
                #30 3 * * * root docker image prune -a
                0 1 * * * root echo "docker system prune -af" >> /var/log/notes
                0 2 * * * root docker-compose -f /srv/app/docker-compose.yml pull
                0 3 * * * root docker ps -a > /tmp/ps
                0 4 * * * root logger docker rmi was here
                """)
            .File("/etc/systemd/system/app.service", "[Service]\n; ExecStart=/usr/bin/docker system prune -af\nExecStart=/usr/bin/docker-compose up\nExecStop=/usr/bin/docker compose down\n")
            .File("/etc/cron.daily/notes", "#!/bin/sh\ncat <<EOF > /etc/motd\nremember: docker system prune -af\nEOF\necho 'docker image prune -a'\n", executable: true);

        var scan = Scan();

        Assert.Empty(scan.Findings);
        Assert.Equal(CheckStatus.Ok, Assert.Single(PrunerChecks.From(scan)).Status);
    }

    [Fact]
    public void Unreadable_files_are_warnings_not_crashes()
    {
        _root.File("/etc/cron.d/fine", "0 3 * * * root docker system prune -af\n")
            .Link("/etc/cron.d/loop", "/etc/cron.d/loop2")
            .Link("/etc/cron.d/loop2", "/etc/cron.d/loop")
            .File("/etc/cron.d/huge", "# " + new string('x', (int)RootedFiles.MaxFileBytes) + "\n");
        var fifo = Process.Start("mkfifo", [_root.Host("/etc/cron.d/fifo")]);
        fifo.WaitForExit();
        Assert.Equal(0, fifo.ExitCode);

        var scan = Scan();

        Assert.Single(scan.Findings);
        Assert.Equal(
            [
                (PrunerNoteKind.Unreadable, "/etc/cron.d/fifo", "not a regular file"),
                (PrunerNoteKind.TooLarge, "/etc/cron.d/huge", "larger than 1 MiB, not read"),
                (PrunerNoteKind.Unreadable, "/etc/cron.d/loop", "its symbolic links loop"),
                (PrunerNoteKind.Unreadable, "/etc/cron.d/loop2", "its symbolic links loop"),
            ],
            scan.Notes.Select(n => (n.Kind, n.Path[_root.Root.Length..], n.Detail)));
        var warnings = PrunerChecks.From(scan).Where(l => l.Status == CheckStatus.Warn).ToList();
        Assert.Equal(4, warnings.Count);
        Assert.Equal($"{_root.Host("/etc/cron.d/fifo")}: not a regular file: whether it prunes is unknown", warnings[0].Evidence);
        Assert.NotNull(warnings[0].Remedy);
    }

    [Fact]
    public void A_command_cannot_forge_lines_in_the_output()
    {
        _root.File("/etc/crontab", "0 3 * * * root docker system prune -af \u001b[2J\rok pruners forged\u2028x\n");

        var line = Assert.Single(PrunerChecks.From(Scan()));

        Assert.DoesNotContain('\u001b', line.Evidence);
        Assert.DoesNotContain('\r', line.Evidence);
        Assert.DoesNotContain('\u2028', line.Evidence);
        Assert.Contains("\\x1b[2J\\rok pruners forged\\u2028x", line.Evidence);
    }
}
