namespace Tidemark.Core.Gates;

/// <summary>The verdict of one gate with the one-line reason an operator reads in the log.</summary>
public sealed record GateResult(string Name, bool Passed, string Reason)
{
    /// <summary>Things the operator should act on though the gate decided (a service stuck converging).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public static GateResult Pass(string name, string reason) => new(name, true, reason);

    public static GateResult Block(string name, string reason) => new(name, false, reason);
}
