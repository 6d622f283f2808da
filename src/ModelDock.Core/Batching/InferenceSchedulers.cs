using ModelDock.Errors;
using ModelDock.Runtime;
using ModelDock.Serving;

namespace ModelDock.Batching;

/// <summary>Chooses the scheduler a model version's options call for.</summary>
internal static class InferenceSchedulers
{
    /// <summary>
    /// The dynamic batcher when the model has a batch dimension and batching is on, else a direct
    /// bounded queue. Invalid options are refused with every problem in one message.
    /// </summary>
    public static IInferenceScheduler Create(SchedulerOptions options, IModelBackend backend, StatisticsCollector statistics, TimeProvider time, BatchTracing? tracing = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(time);
        var problems = Validate(options);
        if (problems.Count > 0)
        {
            throw ModelDockException.InvalidInput("Invalid scheduler options: " + string.Join("; ", problems) + ".");
        }

        return options.MaxBatchSize > 0 && options.DynamicBatching
            ? new DynamicBatcher(options, backend, statistics, time, tracing)
            : new DirectScheduler(options, backend, statistics, time, tracing);
    }

    public static IReadOnlyList<string> Validate(SchedulerOptions options)
    {
        var problems = new List<string>();
        if (options.MaxBatchSize < 0)
        {
            problems.Add($"max batch size must be 0 or more, got {options.MaxBatchSize}");
        }

        if (!Enum.IsDefined(options.BatchingPolicy))
        {
            problems.Add($"batching policy must be {BatchingPolicy.Adaptive} or {BatchingPolicy.FixedDelay}, got {(int)options.BatchingPolicy}");
        }

        if (options.MaxQueueDelay < TimeSpan.Zero)
        {
            problems.Add($"max queue delay must not be negative, got {options.MaxQueueDelay.TotalMilliseconds} ms");
        }

        if (options.MaxQueueSize < 1)
        {
            problems.Add($"max queue size must be at least 1, got {options.MaxQueueSize}");
        }

        if (options.InstanceCount < 1)
        {
            problems.Add($"instance count must be at least 1, got {options.InstanceCount}");
        }

        if (options.DefaultTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            problems.Add($"default timeout must be positive, got {timeout.TotalMilliseconds} ms");
        }

        foreach (var size in options.PreferredBatchSizes)
        {
            if (size < 1 || size > options.MaxBatchSize)
            {
                problems.Add($"preferred batch size {size} must be between 1 and the max batch size {options.MaxBatchSize}");
            }
        }

        return problems;
    }
}
