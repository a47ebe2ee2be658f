using Tidemark.Docker.Registry;

namespace Tidemark.Cli.Probe;

public static class ProbeTargets
{
    /// <summary>The probe's image, fully qualified and with a tag (latest when none is given), or why it is not one.</summary>
    public static (ProbeTarget? Target, string? Error) Parse(string input, DefaultRegistry defaults)
    {
        if (!ImageName.TryParse(input, defaults.Domain, out var name, out var error))
        {
            return (null, error);
        }

        return (new ProbeTarget(name.ToString(), name.Registry, name.Registry == defaults.Domain), null);
    }
}
