using ModelDock.Tensors;

namespace ModelDock.Batching;

/// <summary>
/// Decides when a validated request runs on a backend: the dynamic batcher for models with a batch
/// dimension, a bounded direct queue for the others. Both answer QueueFull, Timeout and Cancelled
/// with a <see cref="Errors.ModelDockException"/> and never run a request whose caller has gone.
/// </summary>
public interface IInferenceScheduler : IAsyncDisposable
{
    /// <summary>Requests waiting to run.</summary>
    int QueueDepth { get; }

    /// <summary>
    /// Runs one request and returns its outputs in the order of <paramref name="outputNames"/>.
    /// <paramref name="timeout"/> (else the options' default) bounds the whole wait of the caller.
    /// <paramref name="runInlineWhenIdle"/>: see <see cref="Inference.InferenceRequest.RunInlineWhenIdle"/>.
    /// </summary>
    ValueTask<ScheduleResult> ScheduleAsync(
        IReadOnlyList<Tensor> inputs,
        IReadOnlyList<string> outputNames,
        TimeSpan? timeout,
        CancellationToken cancellationToken,
        bool runInlineWhenIdle = false);
}
