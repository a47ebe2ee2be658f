using System.Reflection;

namespace Tidemark.Cli;

public static class VersionInfo
{
    public static string Text { get; } =
        typeof(VersionInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? "0.0.0";
}
