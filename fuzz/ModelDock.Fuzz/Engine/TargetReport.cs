namespace ModelDock.Fuzz.Engine;

/// <summary>What one target's share of a campaign did.</summary>
internal sealed record TargetReport(
    string Target,
    long Inputs,
    TimeSpan Elapsed,
    IReadOnlyDictionary<string, long> Outcomes,
    long FindingCount,
    IReadOnlyList<(FuzzInput Input, string Finding)> Findings,
    IReadOnlyList<string> ErrorLogs)
{
    /// <summary>Findings from answers, plus log entries at error level (each one is a finding too).</summary>
    public long Failures => FindingCount + ErrorLogs.Count;
}
