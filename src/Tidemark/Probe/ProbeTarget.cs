namespace Tidemark.Cli.Probe;

/// <summary>
/// The image the probe pulls, written as the daemon must receive it: with a tag or a digest
/// (a bare name would make the daemon pull every tag), and the registry that serves it.
/// </summary>
public sealed record ProbeTarget(string Reference, string Registry, bool DefaultRegistry);
