namespace ModelDock.Fuzz.Engine;

/// <summary>What one input produced: a label to count (a status code, an error kind) and, when it broke a rule, why.</summary>
internal readonly record struct Outcome(string Label, string? Finding = null)
{
    public bool IsFinding => Finding is not null;

    public static Outcome Fail(string label, string finding) => new(label, finding);
}
