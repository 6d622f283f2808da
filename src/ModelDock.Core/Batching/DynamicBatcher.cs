using System.Buffers;
using ModelDock.Errors;
using ModelDock.Runtime;
using ModelDock.Serving;
using ModelDock.Tensors;

namespace ModelDock.Batching;

/// <summary>
/// Triton-style dynamic batcher: groups waiting requests into batches of at most
/// <see cref="SchedulerOptions.MaxBatchSize"/> rows, runs each batch once on the backend and hands
/// every caller exactly its rows. One dispatcher forms batches; up to
/// <see cref="SchedulerOptions.InstanceCount"/> run at once and one more is formed and concatenated
/// meanwhile, so the CPU stays busy even with a single instance.
/// </summary>
internal sealed class DynamicBatcher : IInferenceScheduler
{
    private readonly SchedulerOptions _options;
    private readonly IModelBackend _backend;
    private readonly StatisticsCollector _statistics;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly BatchQueue _queue;
    private readonly SemaphoreSlim _instances;

    // Batches taken from the queue whose run has not finished; one more than the instances, so the
    // next batch is formed while the instances are busy.
    private readonly SemaphoreSlim _batchSlots;
    private readonly int _batchSlotCount;
    private readonly ITimer _delayTimer;
    private readonly Task _dispatcher;
    private TaskCompletionSource? _wake;
    private bool _closed;
    private Task? _drain;

    public DynamicBatcher(SchedulerOptions options, IModelBackend backend, StatisticsCollector statistics, TimeProvider time)
    {
        _options = options;
        _backend = backend;
        _statistics = statistics;
        _time = time;
        _queue = new BatchQueue(options, time);
        _instances = new SemaphoreSlim(options.InstanceCount, options.InstanceCount);
        _batchSlotCount = options.InstanceCount + 1;
        _batchSlots = new SemaphoreSlim(_batchSlotCount, _batchSlotCount);
        _delayTimer = time.CreateTimer(static s => ((DynamicBatcher)s!).Wake(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _dispatcher = Task.Run(DispatchAsync);
    }

    public int QueueDepth
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    public ValueTask<ScheduleResult> ScheduleAsync(
        IReadOnlyList<Tensor> inputs,
        IReadOnlyList<string> outputNames,
        TimeSpan? timeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputNames);
        try
        {
            return new ValueTask<ScheduleResult>(Enqueue(inputs, outputNames, timeout, cancellationToken).Completion.Task);
        }
        catch (ModelDockException e)
        {
            return ValueTask.FromException<ScheduleResult>(e);
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_drain is null)
            {
                _closed = true;
                WakeLocked();
                _drain = Task.Run(DrainAsync);
            }

            return new ValueTask(_drain);
        }
    }

    private PendingRequest Enqueue(IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var (rows, groupKey) = BatchSignature.Describe(inputs, outputNames, _options.MaxBatchSize);
        var effectiveTimeout = SchedulerErrors.ResolveTimeout(timeout, _options.DefaultTimeout);
        if (cancellationToken.IsCancellationRequested)
        {
            throw SchedulerErrors.Cancelled();
        }

        var request = new PendingRequest(inputs, outputNames, rows, groupKey);
        lock (_gate)
        {
            if (_closed)
            {
                throw SchedulerErrors.Closed();
            }

            if (_queue.Count >= _options.MaxQueueSize)
            {
                throw SchedulerErrors.QueueFull(_options.MaxQueueSize);
            }

            _queue.Enqueue(request, _time.GetTimestamp());
            WakeLocked();
        }

        if (effectiveTimeout is { } t)
        {
            request.Deadline = _time.CreateTimer(_ => Abandon(request, SchedulerErrors.Timeout(t)), null, t, Timeout.InfiniteTimeSpan);
        }

        if (cancellationToken.CanBeCanceled)
        {
            request.Cancellation = cancellationToken.UnsafeRegister(_ => Abandon(request, SchedulerErrors.Cancelled()), null);
        }

        // The request may have finished before its hooks were stored; detach them now in that case.
        if (request.IsFinished)
        {
            request.ReleaseHooks();
        }

        return request;
    }

    /// <summary>A waiting request leaves the queue and is never run; a running one just loses its result.</summary>
    private void Abandon(PendingRequest request, ModelDockException error)
    {
        lock (_gate)
        {
            if (_queue.Remove(request))
            {
                WakeLocked();
            }
        }

        request.Fail(error);
    }

    private void Wake()
    {
        lock (_gate)
        {
            WakeLocked();
        }
    }

    private void WakeLocked()
    {
        var wake = _wake;
        _wake = null;
        wake?.TrySetResult();
    }

    private async Task DispatchAsync()
    {
        while (true)
        {
            await _batchSlots.WaitAsync().ConfigureAwait(false);
            var batch = await NextBatchAsync().ConfigureAwait(false);
            if (batch is null)
            {
                _batchSlots.Release();
                return;
            }

            _ = Task.Run(() => ExecuteAsync(batch));
        }
    }

    /// <summary>Waits until a batch is ready; null once the batcher is closed and the queue is empty.</summary>
    private async Task<List<PendingRequest>?> NextBatchAsync()
    {
        while (true)
        {
            Task wake;
            lock (_gate)
            {
                var batch = _queue.TryTakeBatch(_time.GetTimestamp(), _closed, out var wait);
                if (batch is not null || _closed)
                {
                    return batch;
                }

                _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wake = _wake.Task;
                _delayTimer.Change(wait ?? Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            await wake.ConfigureAwait(false);
        }
    }

    private async Task ExecuteAsync(List<PendingRequest> batch)
    {
        var holdsSlot = true;
        var holdsInstance = false;
        var rented = new List<byte[]>();
        try
        {
            var live = StillWaiting(batch);
            if (live.Count == 0)
            {
                return;
            }

            var inputStart = _time.GetTimestamp();
            var inputs = Concatenate(live, rented);
            var inputNs = SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(inputStart));

            await _instances.WaitAsync().ConfigureAwait(false);
            holdsInstance = true;
            if (live.Exists(r => r.IsFinished))
            {
                // Callers that left while the batch waited for an instance are dropped so they never run.
                live = StillWaiting(live);
                if (live.Count == 0)
                {
                    return;
                }

                ReturnAll(rented);
                inputStart = _time.GetTimestamp();
                inputs = Concatenate(live, rented);
                inputNs += SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(inputStart));
            }

            var inferStart = _time.GetTimestamp();
            foreach (var request in live)
            {
                request.QueueNanoseconds = SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(request.EnqueuedAt, inferStart));
            }

            IReadOnlyList<Tensor> outputs;
            try
            {
                outputs = _backend.Run(inputs, live[0].OutputNames);
            }
            catch (Exception e)
            {
                FailAll(live, SchedulerErrors.FromBackend(e));
                return;
            }

            var inferNs = SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(inferStart));
            _instances.Release();
            holdsInstance = false;
            _batchSlots.Release();
            holdsSlot = false;

            var outputStart = _time.GetTimestamp();
            var (rows, perRequest) = Slice(live, outputs);
            var outputNs = SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(outputStart));

            // Recorded before any caller resumes, so a client that reads statistics right after its
            // response already sees this execution counted.
            _statistics.RecordExecution(rows, inputNs, inferNs, outputNs);
            for (var i = 0; i < live.Count; i++)
            {
                live[i].Succeed(perRequest[i]);
            }
        }
        catch (Exception e)
        {
            FailAll(batch, SchedulerErrors.FromBackend(e));
        }
        finally
        {
            if (holdsInstance)
            {
                _instances.Release();
            }

            if (holdsSlot)
            {
                _batchSlots.Release();
            }

            ReturnAll(rented);
        }
    }

    private static List<PendingRequest> StillWaiting(List<PendingRequest> requests) => requests.FindAll(r => !r.IsFinished);

    private static IReadOnlyList<Tensor> Concatenate(List<PendingRequest> live, List<byte[]> rented)
    {
        if (live.Count == 1)
        {
            return live[0].Inputs;
        }

        var template = live[0].Inputs;
        var inputs = new Tensor[template.Count];
        var parts = new Tensor[live.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            for (var r = 0; r < live.Count; r++)
            {
                parts[r] = live[r].Inputs[i];
            }

            if (template[i].DataType == DataType.Bytes)
            {
                inputs[i] = TensorBatching.Concat(template[i].Name, parts);
            }
            else
            {
                var buffer = ArrayPool<byte>.Shared.Rent(TensorBatching.ConcatenatedByteCount(parts));
                rented.Add(buffer);
                inputs[i] = TensorBatching.Concat(template[i].Name, parts, buffer);
            }
        }

        return inputs;
    }

    /// <summary>Hands each caller its rows of every output; returns the rows the batch held.</summary>
    private static (int Rows, IReadOnlyList<Tensor>[] PerRequest) Slice(List<PendingRequest> live, IReadOnlyList<Tensor> outputs)
    {
        var outputNames = live[0].OutputNames;
        var rows = 0;
        foreach (var request in live)
        {
            rows += request.Rows;
        }

        if (outputs.Count != outputNames.Count)
        {
            throw new ModelDockException(
                ErrorKind.Internal, $"The model returned {outputs.Count} outputs for {outputNames.Count} requested.");
        }

        foreach (var output in outputs)
        {
            if (output.Shape.Length == 0 || output.Shape[0] != rows)
            {
                throw new ModelDockException(
                    ErrorKind.Internal,
                    $"The model returned output '{output.Name}' with shape [{string.Join(",", output.Shape)}] for a batch of {rows} rows; its first dimension must be the batch.");
            }
        }

        var perRequest = new IReadOnlyList<Tensor>[live.Count];
        if (live.Count == 1)
        {
            perRequest[0] = outputs;
            return (rows, perRequest);
        }

        var offset = 0;
        for (var i = 0; i < live.Count; i++)
        {
            var request = live[i];
            var own = new Tensor[outputs.Count];
            if (!request.IsFinished)
            {
                for (var o = 0; o < own.Length; o++)
                {
                    own[o] = TensorBatching.SliceRows(outputs[o], offset, request.Rows);
                }
            }

            perRequest[i] = own;
            offset += request.Rows;
        }

        return (rows, perRequest);
    }

    private static void FailAll(List<PendingRequest> requests, ModelDockException error)
    {
        foreach (var request in requests)
        {
            request.Fail(error);
        }
    }

    private static void ReturnAll(List<byte[]> rented)
    {
        foreach (var buffer in rented)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        rented.Clear();
    }

    private async Task DrainAsync()
    {
        await _dispatcher.ConfigureAwait(false);
        for (var i = 0; i < _batchSlotCount; i++)
        {
            await _batchSlots.WaitAsync().ConfigureAwait(false);
        }

        _delayTimer.Dispose();
    }
}
