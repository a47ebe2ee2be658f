namespace Tidemark.Cli.Output;

/// <summary>ANSI colour when enabled, plain text otherwise.</summary>
public readonly record struct Paint(bool Enabled)
{
    public Painted Green(string s) => Wrap("32", s);

    public Painted Yellow(string s) => Wrap("33", s);

    public Painted Red(string s) => Wrap("31", s);

    public Painted Dim(string s) => Wrap("2", s);

    public static Painted Plain(string s) => new(s);

    // The text inside is Tidemark's own words; escaping it too would break nothing, but a painted
    // value from outside is escaped first so the colour codes are the only escapes on the line.
    private Painted Wrap(string code, string s) => new(Enabled ? $"\u001b[{code}m{Core.Text.Printable.Escape(s)}\u001b[0m" : Core.Text.Printable.Escape(s));
}

/// <summary>Text that already is safe to print, colour codes included: <see cref="SafeText"/> keeps it as is.</summary>
public readonly record struct Painted(string Text)
{
    public override string ToString() => Text;
}
