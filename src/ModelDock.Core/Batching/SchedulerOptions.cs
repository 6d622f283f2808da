namespace ModelDock.Batching;

/// <summary>How requests for one model version are queued and grouped; built from the model's config.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Largest batch the model accepts along its first dimension; 0 = the model has no batch dimension.</summary>
    public int MaxBatchSize { get; init; }

    /// <summary>Group concurrent requests into batches (only when <see cref="MaxBatchSize"/> &gt; 0).</summary>
    public bool DynamicBatching { get; init; }

    /// <summary>When a batch that is not full is sent; adaptive unless Triton's fixed delay is asked for.</summary>
    public BatchingPolicy BatchingPolicy { get; init; } = BatchingPolicy.Adaptive;

    /// <summary>With <see cref="BatchingPolicy.FixedDelay"/>, how long the first request of a batch waits for others.</summary>
    public TimeSpan MaxQueueDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Batch sizes to dispatch at as soon as they are reached, e.g. [8, 16, 32].</summary>
    public IReadOnlyList<int> PreferredBatchSizes { get; init; } = [];

    /// <summary>Requests allowed to wait; one more is refused with QueueFull.</summary>
    public int MaxQueueSize { get; init; } = 1024;

    /// <summary>Executions that may run on the backend at the same time.</summary>
    public int InstanceCount { get; init; } = 1;

    /// <summary>Deadline for requests that carry none; null = no deadline.</summary>
    public TimeSpan? DefaultTimeout { get; init; }
}
