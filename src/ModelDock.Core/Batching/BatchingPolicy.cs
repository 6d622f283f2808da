namespace ModelDock.Batching;

/// <summary>When the dynamic batcher sends a batch that is not full yet.</summary>
public enum BatchingPolicy
{
    /// <summary>
    /// As soon as an instance is idle; only while every instance is busy do requests wait, and then
    /// for the instance, not for a delay. At low load a request runs at once, as without batching; when
    /// requests pile up they form batches up to the max (or a preferred) batch size.
    /// </summary>
    Adaptive,

    /// <summary>
    /// Triton's rule: a batch that is not full waits until its oldest request has waited
    /// <see cref="SchedulerOptions.MaxQueueDelay"/>, even when an instance is idle.
    /// </summary>
    FixedDelay,
}
