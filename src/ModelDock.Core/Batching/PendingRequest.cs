using System.Threading.Tasks.Sources;
using ModelDock.Tensors;

namespace ModelDock.Batching;

/// <summary>
/// One caller's request inside the dynamic batcher, and the awaitable its caller waits on. Whoever
/// completes it first wins (result, backend error, timeout or cancellation); later completions are
/// ignored, so a late result is discarded.
/// </summary>
/// <remarks>
/// A value-task source rather than a task completion source, because the batcher decides per
/// completion where the caller resumes: on the thread pool as a rule, so one caller does not hold up
/// the others of its batch, but on the batch's own thread for the last caller when that thread has
/// nothing else to do, which saves a thread hand-off per batch at low load.
/// </remarks>
internal sealed class PendingRequest : IValueTaskSource<ScheduleResult>
{
    private ManualResetValueTaskSourceCore<ScheduleResult> _completion = new() { RunContinuationsAsynchronously = true };
    private int _finished;

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

    /// <summary>The caller's span and when it started waiting, for its queue span; the default when nobody traces.</summary>
    public QueueEntry Queued { get; set; }

    public bool IsFinished => Volatile.Read(ref _finished) != 0;

    public CancellationTokenRegistration Cancellation { get; set; }

    public ITimer? Deadline { get; set; }

    /// <summary>What the caller awaits; a request is awaited once.</summary>
    public ValueTask<ScheduleResult> Outcome => new(this, _completion.Version);

    /// <summary>Hands the caller its outputs; with <paramref name="resumeHere"/> its continuation runs on this thread before this returns.</summary>
    public void Succeed(IReadOnlyList<Tensor> outputs, bool resumeHere = false)
    {
        if (TryFinish())
        {
            _completion.RunContinuationsAsynchronously = !resumeHere;
            _completion.SetResult(new ScheduleResult(outputs, QueueNanoseconds));
        }
    }

    public void Fail(Exception error)
    {
        if (TryFinish())
        {
            _completion.SetException(error);
        }
    }

    /// <summary>
    /// Detaches the hooks when the request finished while they were being attached: the completion
    /// then saw no hooks to release. The fence keeps the hooks' stores before the read of the flag.
    /// </summary>
    public void ReleaseHooksIfFinished()
    {
        Interlocked.MemoryBarrier();
        if (IsFinished)
        {
            ReleaseHooks();
        }
    }

    ScheduleResult IValueTaskSource<ScheduleResult>.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ScheduleResult>.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<ScheduleResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _completion.OnCompleted(continuation, state, token, flags);

    private bool TryFinish()
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return false;
        }

        // Before the caller resumes, which may be on this thread and take a while.
        ReleaseHooks();
        return true;
    }

    /// <summary>Detaches the deadline timer and cancellation callback; safe to call more than once.</summary>
    private void ReleaseHooks()
    {
        Cancellation.Unregister();
        Deadline?.Dispose();
    }
}
