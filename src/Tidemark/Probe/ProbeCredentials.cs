using Tidemark.Cli.Output;
using Tidemark.Core.Configuration;

namespace Tidemark.Cli.Probe;

/// <summary>TEMPORARY until the credential reader lands: anonymous pulls.</summary>
public static class ProbeCredentials
{
    public static Task<(string? Auth, string Who)> ForAsync(Settings settings, ProbeTarget target, string? indexServer, CliConsole console, CancellationToken ct) =>
        Task.FromResult<(string?, string)>((null, "none (anonymous pull)"));
}
