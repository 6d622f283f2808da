namespace ModelDock.Fuzz.Engine;

/// <summary>How much to run and where findings go.</summary>
internal sealed record FuzzSettings
{
    /// <summary>Inputs in all, shared among the targets by their <see cref="IFuzzTarget.Share"/>.</summary>
    public long Inputs { get; init; } = 50_000;

    /// <summary>Wall-clock bound for the whole campaign, shared likewise; null runs every input.</summary>
    public TimeSpan? Duration { get; init; }

    public int Seed { get; init; } = 1;

    /// <summary>An input with no answer after this long is a hang.</summary>
    public TimeSpan HangTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Folder for the inputs behind findings (replayable with <c>--replay</c>); null keeps none.</summary>
    public string? OutputFolder { get; init; }

    /// <summary>Findings kept per target, in the report and the output folder; all are counted.</summary>
    public int KeptFindings { get; init; } = 20;
}
