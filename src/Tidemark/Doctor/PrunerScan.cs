using System.Text.RegularExpressions;
using Tidemark.Cli.Platform;

namespace Tidemark.Cli.Doctor;

/// <summary>
/// Finds other things on the host that remove images: systemd services (and the timers that
/// start them) and cron tables and scripts whose commands run a docker prune or rmi, including
/// NixOS's docker-prune unit (virtualisation.docker.autoPrune). Read-only: it never disables,
/// changes or runs anything. <c>Scan("/")</c> on a host; a temporary root in tests.
/// </summary>
/// <remarks>
/// Commands are read as a shell would split them (<see cref="ShellWords"/>), so a comment, an
/// <c>echo "docker system prune"</c>, docker-compose or <c>docker ps</c> is not a finding; a
/// script a unit or cron line runs (an absolute path starting with #!) is read too, one level
/// deep. Best effort: a prune assembled from variables, or run by a program that is not a
/// script, is not seen.
/// </remarks>
public static partial class PrunerScan
{
    /// <summary>Unit directories, highest precedence first (the first file of a name is the unit).</summary>
    public static readonly IReadOnlyList<string> UnitDirectories =
        ["/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

    public static readonly IReadOnlyList<string> CronPeriods = ["hourly", "daily", "weekly", "monthly"];

    /// <summary>The unit NixOS's virtualisation.docker.autoPrune runs (its timer: docker-prune.timer).</summary>
    public const string NixosPruneService = "docker-prune.service";

    public static PrunerScanResult Scan(string root) => new Scanner(root).Run();

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex RunPartsName();

    private sealed record TimerInfo(string Name, string? Schedule, bool Enabled);

    private sealed class UnitFiles
    {
        public string? Main { get; set; }

        public bool Masked { get; set; }

        public List<(string Name, string Path)> DropIns { get; } = [];
    }

    private sealed class Scanner(string root)
    {
        private readonly RootedFiles _files = new(root);
        private readonly List<PrunerFinding> _findings = [];
        private readonly List<PrunerNote> _notes = [];
        private readonly List<string> _locations = [];
        private int _filesRead;

        public PrunerScanResult Run()
        {
            ScanSystemd();
            ScanCron();
            return new PrunerScanResult(root, _findings, _notes, _locations, _filesRead);
        }

        private void ScanSystemd()
        {
            Dictionary<string, UnitFiles> units = new(StringComparer.Ordinal);
            HashSet<string> enabled = new(StringComparer.Ordinal);
            HashSet<string> directories = new(StringComparer.Ordinal);
            UnitFiles Unit(string name) => units.TryGetValue(name, out var u) ? u : units[name] = new UnitFiles();

            foreach (var dir in UnitDirectories)
            {
                if (ListDirectory(dir, out var resolvedDir) is not { } names || !directories.Add(resolvedDir!))
                {
                    continue;
                }

                _locations.Add(_files.Host(dir));
                foreach (var name in names)
                {
                    var path = dir + "/" + name;
                    if (name.EndsWith(".wants", StringComparison.Ordinal) || name.EndsWith(".requires", StringComparison.Ordinal) || name.EndsWith(".upholds", StringComparison.Ordinal))
                    {
                        enabled.UnionWith(ListDirectory(path, out _) ?? []);
                    }
                    else if (name.EndsWith(".service.d", StringComparison.Ordinal) || name.EndsWith(".timer.d", StringComparison.Ordinal))
                    {
                        foreach (var conf in ListDirectory(path, out _) ?? [])
                        {
                            if (conf.EndsWith(".conf", StringComparison.Ordinal))
                            {
                                Unit(name[..^2]).DropIns.Add((conf, path + "/" + conf));
                            }
                        }
                    }
                    else if (name.EndsWith(".service", StringComparison.Ordinal) || name.EndsWith(".timer", StringComparison.Ordinal))
                    {
                        var unit = Unit(name);
                        if (unit.Main is not null || unit.Masked)
                        {
                            continue; // a directory of higher precedence has it
                        }

                        var resolved = _files.Resolve(path);
                        if (resolved is null)
                        {
                            Note(PrunerNoteKind.Unreadable, path, "its symbolic links loop");
                        }
                        else if (resolved == "/dev/null")
                        {
                            unit.Masked = true;
                        }
                        else if (_files.KindOf(resolved) == FileKind.Regular)
                        {
                            unit.Main = path;
                        }

                        // A dangling link (a store path that is gone) is no unit: systemd skips it too.
                    }
                }
            }

            Dictionary<string, TimerInfo> timers = new(StringComparer.Ordinal);
            foreach (var (name, unit) in units.Where(u => u.Key.EndsWith(".timer", StringComparison.Ordinal)).OrderBy(u => u.Key, StringComparer.Ordinal))
            {
                if (ReadUnit(unit) is not { } settings)
                {
                    continue;
                }

                string? target = null;
                List<string> schedule = [];
                foreach (var (_, setting) in settings.Where(s => s.Setting.Section == "Timer"))
                {
                    if (setting.Key == "Unit")
                    {
                        target = setting.Value;
                    }
                    else if (setting.Key.StartsWith("On", StringComparison.Ordinal))
                    {
                        if (setting.Value.Length == 0)
                        {
                            schedule.Clear();
                        }
                        else
                        {
                            schedule.Add($"{setting.Key}={setting.Value}");
                        }
                    }
                }

                timers[target ?? name[..^".timer".Length] + ".service"] =
                    new TimerInfo(name, schedule.Count == 0 ? null : string.Join(", ", schedule), enabled.Contains(name));
            }

            foreach (var (name, unit) in units.Where(u => u.Key.EndsWith(".service", StringComparison.Ordinal)).OrderBy(u => u.Key, StringComparer.Ordinal))
            {
                if (ReadUnit(unit) is not { } settings)
                {
                    continue;
                }

                List<(string File, UnitSetting Setting)> execs = [];
                foreach (var (file, setting) in settings.Where(s => UnitFile.IsExec(s.Setting.Key)))
                {
                    if (setting.Value.Length == 0)
                    {
                        execs.RemoveAll(e => e.Setting.Key == setting.Key); // "ExecStart=" resets the list
                    }
                    else
                    {
                        execs.Add((file, setting));
                    }
                }

                timers.TryGetValue(name, out var timer);
                var serviceEnabled = enabled.Contains(name);
                var nixos = name == NixosPruneService;
                if (nixos && timer is null && !serviceEnabled)
                {
                    Note(PrunerNoteKind.NixosAutoPruneOff, unit.Main ?? unit.DropIns[0].Path,
                        "docker-prune.service is there without docker-prune.timer: NixOS virtualisation.docker.autoPrune is off");
                    continue;
                }

                var inactive = timer is { Enabled: true } || serviceEnabled ? null
                    : timer is null ? "not enabled, and no timer starts it"
                    : $"its timer {timer.Name} is not enabled";
                var before = _findings.Count;
                foreach (var (file, setting) in execs)
                {
                    PrunerFinding Make(PruneCommand prune, string where, int line, string command, bool viaScript) => new(
                        _files.Host(where), line, command, prune, PrunerSource.Systemd, name, timer?.Name, timer?.Enabled ?? false, timer?.Schedule,
                        viaScript ? _files.Host(file) : null, viaScript ? setting.Line : 0, inactive, nixos);

                    List<string> scripts = [];
                    foreach (var prune in PruneCommands.Find(UnitFile.Commands(setting.Value), scripts))
                    {
                        _findings.Add(Make(prune, file, setting.Line, $"{setting.Key}={setting.Value}", false));
                    }

                    foreach (var script in scripts)
                    {
                        ScanScript(script, (prune, line, command) => Make(prune, script, line, command, true));
                    }
                }

                if (nixos && _findings.Count == before)
                {
                    // The timer runs it, but its script could not be read: autoPrune is on all the same.
                    var (file, setting) = execs.Count > 0 ? execs[0] : (unit.Main ?? unit.DropIns[0].Path, new UnitSetting(0, "", "", ""));
                    _findings.Add(new PrunerFinding(_files.Host(file), setting.Line, setting.Key.Length > 0 ? $"{setting.Key}={setting.Value}" : "(no ExecStart)",
                        new PruneCommand(PruneKind.SystemPrune, false, false), PrunerSource.Systemd, name, timer?.Name, timer?.Enabled ?? false, timer?.Schedule,
                        null, 0, inactive, true));
                }
            }
        }

        /// <summary>A unit's settings, main file then drop-ins (by file name); null when masked or unreadable.</summary>
        private List<(string File, UnitSetting Setting)>? ReadUnit(UnitFiles unit)
        {
            if (unit.Masked || unit.Main is null && unit.DropIns.Count == 0)
            {
                return null;
            }

            List<(string, UnitSetting)> settings = [];
            if (unit.Main is { } main)
            {
                if (Read(main) is not { } text)
                {
                    return null;
                }

                if (text.Text.Trim().Length == 0)
                {
                    return null; // an empty unit file masks the unit
                }

                settings.AddRange(UnitFile.Parse(text.Text).Select(s => (main, s)));
            }

            foreach (var (_, path) in unit.DropIns.OrderBy(d => d.Name, StringComparer.Ordinal))
            {
                if (Read(path) is { } text)
                {
                    settings.AddRange(UnitFile.Parse(text.Text).Select(s => (path, s)));
                }
            }

            return settings;
        }

        private void ScanCron()
        {
            ScanCronTable("/etc/crontab", CronFormat.System, top: true);
            ScanCronDirectory("/etc/cron.d", CronFormat.System);
            ScanCronTable("/etc/anacrontab", CronFormat.Anacron, top: true);
            foreach (var period in CronPeriods)
            {
                var dir = $"/etc/cron.{period}";
                if (ListDirectory(dir, out _) is { } names)
                {
                    _locations.Add(_files.Host(dir));
                    foreach (var name in names)
                    {
                        ScanCronScript(dir + "/" + name, name, period);
                    }
                }
            }

            ScanCronDirectory("/var/spool/cron/crontabs", CronFormat.User);
            ScanCronDirectory("/var/spool/cron", CronFormat.User);
        }

        private void ScanCronDirectory(string dir, CronFormat format)
        {
            if (ListDirectory(dir, out _) is not { } names)
            {
                return;
            }

            _locations.Add(_files.Host(dir));
            foreach (var name in names)
            {
                ScanCronTable(dir + "/" + name, format, top: false);
            }
        }

        private void ScanCronTable(string path, CronFormat format, bool top)
        {
            if (Read(path) is not { } file)
            {
                return;
            }

            if (top)
            {
                _locations.Add(_files.Host(path));
            }

            var source = format == CronFormat.Anacron ? PrunerSource.Anacron : PrunerSource.CronTable;
            var lines = file.Text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (CronTable.Parse(lines[i], format) is not { } entry)
                {
                    continue;
                }

                var lineNumber = i + 1;
                var written = lines[i].Trim();
                List<string> scripts = [];
                foreach (var prune in PruneCommands.Find(entry.Command, scripts))
                {
                    _findings.Add(new PrunerFinding(_files.Host(path), lineNumber, written, prune, source, Schedule: entry.Schedule));
                }

                foreach (var script in scripts)
                {
                    ScanScript(script, (prune, line, command) => new PrunerFinding(_files.Host(script), line, command, prune, source,
                        Schedule: entry.Schedule, ViaFile: _files.Host(path), ViaLine: lineNumber));
                }
            }
        }

        /// <summary>A script in /etc/cron.PERIOD: run-parts runs it when it is executable and its name plain.</summary>
        private void ScanCronScript(string path, string name, string period)
        {
            if (Read(path) is not { } file)
            {
                return;
            }

            var inactive = !_files.IsExecutable(file.Resolved) ? "not executable: run-parts skips it"
                : !RunPartsName().IsMatch(name) ? "run-parts skips a name with a dot or other characters"
                : null;
            foreach (var (line, text) in ShellWords.LogicalLines(file.Text))
            {
                List<string> scripts = [];
                foreach (var prune in PruneCommands.Find(text, scripts))
                {
                    _findings.Add(new PrunerFinding(_files.Host(path), line, text.Trim(), prune, PrunerSource.CronScript, Schedule: period, Inactive: inactive));
                }

                foreach (var script in scripts)
                {
                    ScanScript(script, (prune, l, command) => new PrunerFinding(_files.Host(script), l, command, prune, PrunerSource.CronScript,
                        Schedule: period, ViaFile: _files.Host(path), ViaLine: line, Inactive: inactive));
                }
            }
        }

        /// <summary>
        /// A program a unit or cron line runs, looked into when it is a script (#!) no larger
        /// than the bound; quietly skipped otherwise (most are binaries). One level: scripts it
        /// runs in turn are not followed.
        /// </summary>
        private void ScanScript(string path, Func<PruneCommand, int, string, PrunerFinding> make)
        {
            var resolved = _files.Resolve(path);
            if (resolved is null || _files.KindOf(resolved) != FileKind.Regular || !_files.IsScript(resolved))
            {
                return;
            }

            if (Read(path) is not { } file)
            {
                return;
            }

            foreach (var (line, text) in ShellWords.LogicalLines(file.Text))
            {
                foreach (var prune in PruneCommands.Find(text))
                {
                    _findings.Add(make(prune, line, text.Trim()));
                }
            }
        }

        /// <summary>A regular file's text; null (with a note when it exists but cannot be read) otherwise.</summary>
        private (string Text, string Resolved)? Read(string path)
        {
            var resolved = _files.Resolve(path);
            if (resolved is null)
            {
                Note(PrunerNoteKind.Unreadable, path, "its symbolic links loop");
                return null;
            }

            switch (_files.KindOf(resolved))
            {
                case null or FileKind.Directory:
                    return null;
                case FileKind.Other:
                    Note(PrunerNoteKind.Unreadable, path, "not a regular file");
                    return null;
            }

            try
            {
                if (_files.Length(resolved) > RootedFiles.MaxFileBytes)
                {
                    Note(PrunerNoteKind.TooLarge, path, $"larger than {RootedFiles.MaxFileBytes / (1024 * 1024)} MiB, not read");
                    return null;
                }

                var text = _files.ReadText(resolved);
                _filesRead++;
                return (text, resolved);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Note(PrunerNoteKind.Unreadable, path, Reason(e));
                return null;
            }
        }

        /// <summary>A directory's entries; null when it is not there (quietly) or cannot be listed (noted).</summary>
        private List<string>? ListDirectory(string path, out string? resolved)
        {
            resolved = _files.Resolve(path);
            if (resolved is null)
            {
                Note(PrunerNoteKind.Unreadable, path, "its symbolic links loop");
                return null;
            }

            if (_files.KindOf(resolved) != FileKind.Directory)
            {
                return null;
            }

            try
            {
                var (names, truncated) = _files.List(resolved);
                if (truncated)
                {
                    Note(PrunerNoteKind.TooManyEntries, path, $"more than {RootedFiles.MaxEntries} entries: only {RootedFiles.MaxEntries} read");
                }

                return names;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Note(PrunerNoteKind.Unreadable, path, Reason(e));
                return null;
            }
        }

        private void Note(PrunerNoteKind kind, string path, string detail) => _notes.Add(new PrunerNote(kind, _files.Host(path), detail));

        private static string Reason(Exception e) => e is UnauthorizedAccessException ? "permission denied" : e.Message;
    }
}
