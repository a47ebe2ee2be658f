namespace Tidemark.Cli.Output;

/// <summary>ANSI colour when enabled, plain text otherwise.</summary>
public readonly record struct Paint(bool Enabled)
{
    public string Green(string s) => Wrap("32", s);

    public string Yellow(string s) => Wrap("33", s);

    public string Red(string s) => Wrap("31", s);

    public string Dim(string s) => Wrap("2", s);

    private string Wrap(string code, string s) => Enabled ? $"\u001b[{code}m{s}\u001b[0m" : s;
}
