namespace ModelDock.Serving;

/// <summary>Cumulative count and total time, as Triton reports them: sample twice to get a rate or a mean.</summary>
public readonly record struct DurationStatistic(ulong Count, ulong Nanoseconds);

public sealed record InferStatistics(
    DurationStatistic Success,
    DurationStatistic Fail,
    DurationStatistic Queue,
    DurationStatistic ComputeInput,
    DurationStatistic ComputeInfer,
    DurationStatistic ComputeOutput);

public sealed record BatchStatistics(
    ulong BatchSize,
    DurationStatistic ComputeInput,
    DurationStatistic ComputeInfer,
    DurationStatistic ComputeOutput);

/// <summary>Triton's statistics extension for one model version.</summary>
/// <param name="LastInference">Milliseconds since the Unix epoch of the last inference; 0 if none.</param>
/// <param name="InferenceCount">Batch elements inferred (a request of batch 4 counts 4).</param>
/// <param name="ExecutionCount">Model executions (a dynamic batch of 64 requests counts 1).</param>
public sealed record ModelStatistics(
    string Name,
    string Version,
    ulong LastInference,
    ulong InferenceCount,
    ulong ExecutionCount,
    InferStatistics InferenceStats,
    IReadOnlyList<BatchStatistics> BatchStats);
