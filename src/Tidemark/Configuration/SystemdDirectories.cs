namespace Tidemark.Cli.Configuration;

/// <summary>
/// Under systemd, StateDirectory= and RuntimeDirectory= name where the unit may write
/// ($STATE_DIRECTORY, $RUNTIME_DIRECTORY): the ledger and the lock go there unless the config
/// names their paths itself. A dynamic user can write nowhere else.
/// </summary>
public static class SystemdDirectories
{
    public static LoadedSettings Apply(LoadedSettings loaded, Func<string, string?> environment)
    {
        var settings = loaded.Settings;
        var overrides = new Dictionary<string, string>(loaded.Overrides, StringComparer.Ordinal);
        if (!loaded.KeyLines.ContainsKey("[ledger] path") && First(environment("STATE_DIRECTORY")) is { } state)
        {
            settings = settings with { Ledger = settings.Ledger with { Path = Path.Combine(state, "ledger.json") } };
            overrides["[ledger] path"] = "environment STATE_DIRECTORY";
        }

        if (!loaded.KeyLines.ContainsKey("[lock] path") && First(environment("RUNTIME_DIRECTORY")) is { } runtime)
        {
            settings = settings with { Lock = settings.Lock with { Path = Path.Combine(runtime, "tidemark.lock") } };
            overrides["[lock] path"] = "environment RUNTIME_DIRECTORY";
        }

        return loaded with { Settings = settings, Overrides = overrides };
    }

    /// <summary>systemd lists one directory per StateDirectory= entry, colon-separated: the first is Tidemark's.</summary>
    private static string? First(string? list) =>
        list?.Split(':', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } dir && dir.StartsWith('/') && !dir.Any(char.IsControl)
            ? dir
            : null;
}
