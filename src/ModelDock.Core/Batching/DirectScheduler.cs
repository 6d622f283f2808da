using ModelDock.Observability;
using ModelDock.Runtime;
using ModelDock.Serving;
using ModelDock.Tensors;

namespace ModelDock.Batching;

/// <summary>
/// Runs each request on its own, at most <see cref="SchedulerOptions.InstanceCount"/> at once, with at
/// most <see cref="SchedulerOptions.MaxQueueSize"/> waiting for a free instance in arrival order.
/// </summary>
internal sealed class DirectScheduler : IInferenceScheduler
{
    private readonly SchedulerOptions _options;
    private readonly IModelBackend _backend;
    private readonly StatisticsCollector _statistics;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _instances;
    private readonly BatchTracing _tracing;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiting;

    // Callers that entered plus executions still running, so disposal can wait for the backend to go idle.
    private int _inFlight;
    private int _closed;

    public DirectScheduler(SchedulerOptions options, IModelBackend backend, StatisticsCollector statistics, TimeProvider time, BatchTracing? tracing = null)
    {
        _tracing = tracing ?? BatchTracing.Unnamed;
        _options = options;
        _backend = backend;
        _statistics = statistics;
        _time = time;
        _instances = new SemaphoreSlim(options.InstanceCount, options.InstanceCount);
    }

    public int QueueDepth => Volatile.Read(ref _waiting);

    public async ValueTask<ScheduleResult> ScheduleAsync(
        IReadOnlyList<Tensor> inputs,
        IReadOnlyList<string> outputNames,
        TimeSpan? timeout,
        CancellationToken cancellationToken,
        bool runInlineWhenIdle = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputNames);
        var effectiveTimeout = SchedulerErrors.ResolveTimeout(timeout, _options.DefaultTimeout);
        if (cancellationToken.IsCancellationRequested)
        {
            throw SchedulerErrors.Cancelled();
        }

        Enter();
        var executionOwnsExit = false;
        try
        {
            using var deadline = effectiveTimeout is { } t ? new CancellationTokenSource(t, _time) : null;
            using var linked = deadline is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            var token = linked?.Token ?? cancellationToken;
            var enqueuedAt = _time.GetTimestamp();
            var queued = BatchTracing.Enqueued(_time);
            try
            {
                await WaitForInstanceAsync(token).ConfigureAwait(false);
                var queueNs = SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(enqueuedAt));
                _tracing.Dispatched(queued, _time);
                executionOwnsExit = true;
                var execution = Task.Run(() => Execute(inputs, outputNames), CancellationToken.None);
                var outputs = await execution.WaitAsync(token).ConfigureAwait(false);
                return new ScheduleResult(outputs, queueNs);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                throw cancellationToken.IsCancellationRequested
                    ? SchedulerErrors.Cancelled()
                    : SchedulerErrors.Timeout(effectiveTimeout!.Value);
            }
        }
        finally
        {
            if (!executionOwnsExit)
            {
                Exit();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _closed, 1);
        if (Interlocked.CompareExchange(ref _inFlight, 0, 0) == 0)
        {
            _drained.TrySetResult();
        }

        await _drained.Task.ConfigureAwait(false);
    }

    private async Task WaitForInstanceAsync(CancellationToken token)
    {
        if (_instances.Wait(0))
        {
            return;
        }

        if (Interlocked.Increment(ref _waiting) > _options.MaxQueueSize)
        {
            Interlocked.Decrement(ref _waiting);
            throw SchedulerErrors.QueueFull(_options.MaxQueueSize);
        }

        try
        {
            await _instances.WaitAsync(token).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private IReadOnlyList<Tensor> Execute(IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames)
    {
        // Triton counts batch elements: a model with a batch dimension ran inputs[0].Shape[0] rows.
        var rows = _options.MaxBatchSize > 0 && inputs.Count > 0 && inputs[0].Shape.Length > 0 ? (int)inputs[0].Shape[0] : 1;
        using var span = _tracing.StartSingle(rows);
        try
        {
            var started = _time.GetTimestamp();
            IReadOnlyList<Tensor> outputs;
            try
            {
                outputs = _backend.Run(inputs, outputNames);
            }
            catch (Exception e)
            {
                var error = SchedulerErrors.FromBackend(e);
                SpanFailure.Record(span, error);
                throw error;
            }

            var inferNs = SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(started));
            _statistics.RecordExecution(rows, 0, inferNs, 0);
            return outputs;
        }
        finally
        {
            _instances.Release();
            Exit();
        }
    }

    private void Enter()
    {
        Interlocked.Increment(ref _inFlight);
        if (Interlocked.CompareExchange(ref _closed, 0, 0) == 1)
        {
            Exit();
            throw SchedulerErrors.Closed();
        }
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && Interlocked.CompareExchange(ref _closed, 0, 0) == 1)
        {
            _drained.TrySetResult();
        }
    }
}
