using ModelDock.Tensors;

namespace ModelDock.Batching;

/// <summary>
/// One caller's request inside the dynamic batcher. Whoever completes it first wins (result, backend
/// error, timeout or cancellation); later completions are ignored, so a late result is discarded.
/// </summary>
internal sealed class PendingRequest
{
    public PendingRequest(IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames, int rows, string groupKey)
    {
        Inputs = inputs;
        OutputNames = outputNames;
        Rows = rows;
        GroupKey = groupKey;
    }

    public IReadOnlyList<Tensor> Inputs { get; }

    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>The request's own batch size: the first dimension of its inputs.</summary>
    public int Rows { get; }

    /// <summary>Requests with equal keys can be concatenated: same inputs, datatypes, non-batch dims and outputs.</summary>
    public string GroupKey { get; }

    /// <summary>Arrival order, used to keep batches first in, first out across groups.</summary>
    public long Sequence { get; set; }

    public long EnqueuedAt { get; set; }

    /// <summary>Its place in the queue while waiting; null once taken into a batch or removed.</summary>
    public LinkedListNode<PendingRequest>? Node { get; set; }

    public long QueueNanoseconds { get; set; }

    public TaskCompletionSource<ScheduleResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsFinished => Completion.Task.IsCompleted;

    public CancellationTokenRegistration Cancellation { get; set; }

    public ITimer? Deadline { get; set; }

    public void Succeed(IReadOnlyList<Tensor> outputs)
    {
        if (Completion.TrySetResult(new ScheduleResult(outputs, QueueNanoseconds)))
        {
            ReleaseHooks();
        }
    }

    public void Fail(Exception error)
    {
        if (Completion.TrySetException(error))
        {
            ReleaseHooks();
        }
    }

    /// <summary>Detaches the deadline timer and cancellation callback; safe to call more than once.</summary>
    public void ReleaseHooks()
    {
        Cancellation.Unregister();
        Deadline?.Dispose();
    }
}
