using System.Buffers;
using System.Diagnostics;
using ModelDock.Errors;
using ModelDock.Observability;
using ModelDock.Runtime;
using ModelDock.Serving;
using ModelDock.Tensors;

namespace ModelDock.Batching;

/// <summary>
/// Triton-style dynamic batcher: groups waiting requests into batches of at most
/// <see cref="SchedulerOptions.MaxBatchSize"/> rows, runs each batch once on the backend and hands
/// every caller exactly its rows. Up to <see cref="SchedulerOptions.InstanceCount"/> batches run at
/// once and one more is formed and concatenated meanwhile, so the CPU stays busy even with a single instance.
/// </summary>
/// <remarks>
/// There is no dispatcher thread. Whoever changes what is ready (an arriving request, the delay timer,
/// a finishing batch) takes the ready batches under the lock. An arriving request or the timer hands
/// them to the thread pool, one work item each, never running them on its own thread: the caller must
/// be free to leave (time out, cancel) while its batch runs, a caller that starts many requests before
/// awaiting any must not run them one by one, and the timer thread serves every batcher. The one
/// exception is a request that would go out alone at once anyway (adaptive policy, an idle instance,
/// nobody waiting) whose caller has no timeout and awaits it alone, as a protocol handler does: it
/// runs on the caller's thread, which saves the hand-off that dominates a small model at low load. A batch's
/// thread, once its callers are answered, runs the next ready batch itself instead of queueing it, so
/// under load batches follow each other without a hand-off; when there is none, the batch's last
/// caller resumes on that thread instead of being queued, so at low load a request costs one hand-off.
/// </remarks>
internal sealed class DynamicBatcher : IInferenceScheduler
{
    private const long NotArmed = long.MaxValue;

    private readonly SchedulerOptions _options;
    private readonly IModelBackend _backend;
    private readonly StatisticsCollector _statistics;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly BatchQueue _queue;
    private readonly ITimer _delayTimer;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _adaptive;
    private readonly BatchTracing _tracing;

    // One more batch than there are instances may be taken from the queue: it is concatenated while
    // the instances are busy and starts as soon as one is free.
    private readonly int _batchSlotCount;
    private int _taken;
    private int _running;

    // Batches taken whose callers have not all been answered yet; disposal waits for them.
    private int _unanswered;
    private Batch? _parked;

    // Re-arming a timer wakes the timer thread, so the timer is changed only when it must fire earlier.
    private long _armedAt = NotArmed;
    private bool _closed;
    private Task? _drain;

    public DynamicBatcher(SchedulerOptions options, IModelBackend backend, StatisticsCollector statistics, TimeProvider time, BatchTracing? tracing = null)
    {
        _tracing = tracing ?? BatchTracing.Unnamed;
        _options = options;
        _backend = backend;
        _statistics = statistics;
        _time = time;
        _queue = new BatchQueue(options, time);
        _adaptive = options.BatchingPolicy == BatchingPolicy.Adaptive;
        _batchSlotCount = options.InstanceCount + 1;
        _delayTimer = PreciseTimer.Create(time, static s => ((DynamicBatcher)s!).OnDelayElapsed(), this);
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
        CancellationToken cancellationToken,
        bool runInlineWhenIdle = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputNames);
        try
        {
            var (rows, groupKey) = BatchSignature.Describe(inputs, outputNames, _options.MaxBatchSize);
            var effectiveTimeout = SchedulerErrors.ResolveTimeout(timeout, _options.DefaultTimeout);
            if (cancellationToken.IsCancellationRequested)
            {
                throw SchedulerErrors.Cancelled();
            }

            if (runInlineWhenIdle && effectiveTimeout is null && TryTakeInstanceInline())
            {
                return RunInline(inputs, outputNames, rows, cancellationToken);
            }

            var request = new PendingRequest(inputs, outputNames, rows, groupKey) { Queued = BatchTracing.Enqueued(_time) };
            return Enqueue(request, effectiveTimeout, cancellationToken).Outcome;
        }
        catch (ModelDockException e)
        {
            return ValueTask.FromException<ScheduleResult>(e);
        }
    }

    public ValueTask DisposeAsync()
    {
        Batch? ready = null;
        Task drain;
        lock (_gate)
        {
            if (_drain is null)
            {
                _closed = true;
                ready = TakeReadyLocked();
                CompleteDrainIfIdleLocked();
                _drain = DrainAsync();
            }

            drain = _drain;
        }

        Start(ready);
        return new ValueTask(drain);
    }

    /// <summary>
    /// Under the adaptive policy a request that finds an idle instance and nobody waiting is dispatched alone at
    /// once; when its caller awaits it alone, it takes the instance here and runs on the caller's thread. A request
    /// with a timeout is always queued: its caller must be free to leave when the timeout fires mid-run.
    /// </summary>
    private bool TryTakeInstanceInline()
    {
        lock (_gate)
        {
            if (!_adaptive || _closed || _queue.Count > 0 || _taken >= _options.InstanceCount)
            {
                return false;
            }

            _taken++;
            _running++;
            _unanswered++;
            return true;
        }
    }

    /// <summary>
    /// Runs a request as a batch of its own on the instance taken for it, then lets whatever became ready run on the
    /// pool. A run cannot be stopped midway; a caller that cancelled meanwhile is answered Cancelled, as a queued one is.
    /// </summary>
    private ValueTask<ScheduleResult> RunInline(IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames, int rows, CancellationToken cancellationToken)
    {
        ValueTask<ScheduleResult> outcome;
        var span = _tracing.StartSingle(rows);
        try
        {
            var start = _time.GetTimestamp();
            var outputs = _backend.Run(inputs, outputNames);
            _statistics.RecordExecution(rows, 0, SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(start)), 0);
            outcome = cancellationToken.IsCancellationRequested
                ? ValueTask.FromException<ScheduleResult>(SchedulerErrors.Cancelled())
                : ValueTask.FromResult(new ScheduleResult(outputs, 0));
        }
        catch (Exception e)
        {
            var error = SchedulerErrors.FromBackend(e);
            SpanFailure.Record(span, error);
            outcome = ValueTask.FromException<ScheduleResult>(error);
        }

        span?.Dispose();
        Start(Finish(holdsInstance: true));
        Answered();
        return outcome;
    }

    private PendingRequest Enqueue(PendingRequest request, TimeSpan? effectiveTimeout, CancellationToken cancellationToken)
    {
        Batch? ready;
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
            ready = TakeReadyLocked();
        }

        if (effectiveTimeout is { } t)
        {
            request.Deadline = _time.CreateTimer(_ => Abandon(request, SchedulerErrors.Timeout(t)), null, t, Timeout.InfiniteTimeSpan);
        }

        if (cancellationToken.CanBeCanceled)
        {
            request.Cancellation = cancellationToken.UnsafeRegister(_ => Abandon(request, SchedulerErrors.Cancelled()), null);
        }

        request.ReleaseHooksIfFinished();
        Start(ready);
        return request;
    }

    /// <summary>A waiting request leaves the queue and is never run; a running one just loses its result.</summary>
    private void Abandon(PendingRequest request, ModelDockException error)
    {
        Batch? ready = null;
        lock (_gate)
        {
            if (_queue.Remove(request))
            {
                ready = TakeReadyLocked();
            }
        }

        request.Fail(error);
        Start(ready);
    }

    private void OnDelayElapsed()
    {
        Batch? ready;
        lock (_gate)
        {
            _armedAt = NotArmed;
            ready = TakeReadyLocked();
        }

        Start(ready);
    }

    /// <summary>
    /// Takes every batch that is ready and has a slot, chained through <see cref="Batch.Next"/>; when
    /// one is waiting but not ready yet, makes sure the delay timer fires by the time it is (only the
    /// fixed-delay policy ever waits for it).
    /// </summary>
    private Batch? TakeReadyLocked()
    {
        Batch? first = null;
        Batch? last = null;
        while (_taken < _batchSlotCount && _queue.Count > 0)
        {
            var now = _time.GetTimestamp();
            var instanceIdle = _adaptive && _taken < _options.InstanceCount;
            var requests = _queue.TryTakeBatch(now, _closed || instanceIdle, out var wait);
            if (requests is null)
            {
                if (wait is { } w)
                {
                    ArmLocked(now, w);
                }

                break;
            }

            _taken++;
            _unanswered++;
            var batch = new Batch(this, requests);
            if (last is null)
            {
                first = batch;
            }
            else
            {
                last.Next = batch;
            }

            last = batch;
        }

        return first;
    }

    private void ArmLocked(long now, TimeSpan wait)
    {
        var due = now + (long)(wait.TotalSeconds * _time.TimestampFrequency);
        if (_armedAt <= due)
        {
            // It fires earlier and takes stock again then.
            return;
        }

        _armedAt = due;
        _delayTimer.Change(wait, Timeout.InfiniteTimeSpan);
    }

    private static void Start(Batch? batches)
    {
        for (var batch = batches; batch is not null;)
        {
            var next = batch.Next;
            batch.Next = null;
            ThreadPool.UnsafeQueueUserWorkItem(batch, preferLocal: false);
            batch = next;
        }
    }

    /// <summary>Forms and runs a batch, then whatever its end made ready, until nothing is left for this thread.</summary>
    private void Execute(Batch batch)
    {
        for (Batch? current = batch; current is not null;)
        {
            current = current.HoldsInstance ? Run(current) : Form(current);
        }
    }

    /// <summary>
    /// Concatenates a batch just taken from the queue; returns it holding an instance, or parks it until
    /// one is free and returns what else this thread should do.
    /// </summary>
    private Batch? Form(Batch batch)
    {
        batch.Live = StillWaiting(batch.Requests);
        if (batch.Live.Count == 0)
        {
            var next = KeepFirst(Finish(holdsInstance: false));
            Answered();
            return next;
        }

        try
        {
            var inputStart = _time.GetTimestamp();
            batch.Inputs = Concatenate(batch.Live, batch.Rented);
            batch.InputNanoseconds = SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(inputStart));
        }
        catch (Exception e)
        {
            FailAll(batch.Requests, SchedulerErrors.FromBackend(e));
            ReturnAll(batch.Rented);
            var next = KeepFirst(Finish(holdsInstance: false));
            Answered();
            return next;
        }

        // Parked or not, the batch is run next with an instance: a parked one once it is handed one.
        batch.HoldsInstance = true;
        lock (_gate)
        {
            if (_running == _options.InstanceCount)
            {
                _parked = batch;
                return null;
            }

            _running++;
        }

        return batch;
    }

    /// <summary>
    /// Runs a concatenated batch on the instance it holds and hands each caller its rows; returns the
    /// batch this thread should run next, if any.
    /// </summary>
    private Batch? Run(Batch batch)
    {
        var live = batch.Live!;
        IReadOnlyList<Tensor>[]? perRequest = null;
        ModelDockException? failure = null;
        ModelDockException?[]? failures = null;
        Activity? span = null;
        try
        {
            if (live.Exists(static r => r.IsFinished))
            {
                // Callers that left while the batch waited for an instance are dropped so they never run.
                live = StillWaiting(live);
                ReturnAll(batch.Rented);
                if (live.Count > 0)
                {
                    var inputStart = _time.GetTimestamp();
                    batch.Inputs = Concatenate(live, batch.Rented);
                    batch.InputNanoseconds += SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(inputStart));
                }
            }

            if (live.Count > 0)
            {
                span = _tracing.StartBatch(live, _time);
                perRequest = Infer(batch, live);
            }
        }
        catch (Exception e)
        {
            failure = SchedulerErrors.FromBackend(e);
            if (failure.Kind == ErrorKind.InvalidInput && live.Count > 1)
            {
                // The model refused data it was given, and the batch holds other callers' rows: run each
                // caller alone, so only those whose own data the model refuses are told so.
                (perRequest, failures) = InferOneByOne(live);
                failure = null;
            }
        }

        if (failure is not null)
        {
            SpanFailure.Record(span, failure);
        }

        // Ended before any caller resumes: a caller resuming on this thread must not run inside the batch's span.
        span?.Dispose();

        ReturnAll(batch.Rented);
        var next = KeepFirst(Finish(holdsInstance: true));
        try
        {
            for (var i = 0; i < live.Count; i++)
            {
                if ((failure ?? failures?[i]) is { } error)
                {
                    live[i].Fail(error);
                }
                else
                {
                    // The last caller resumes on this thread when it has no batch to run next: one
                    // thread hand-off fewer. The others resume on the pool, side by side.
                    live[i].Succeed(perRequest![i], resumeHere: next is null && i == live.Count - 1);
                }
            }
        }
        finally
        {
            Answered();
        }

        return next;
    }

    private (IReadOnlyList<Tensor>[] PerRequest, ModelDockException?[] Failures) InferOneByOne(List<PendingRequest> live)
    {
        var perRequest = new IReadOnlyList<Tensor>[live.Count];
        var failures = new ModelDockException?[live.Count];
        for (var i = 0; i < live.Count; i++)
        {
            var request = live[i];
            try
            {
                var start = _time.GetTimestamp();
                perRequest[i] = _backend.Run(request.Inputs, request.OutputNames);
                _statistics.RecordExecution(request.Rows, 0, SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(start)), 0);
            }
            catch (Exception e)
            {
                failures[i] = SchedulerErrors.FromBackend(e);
            }
        }

        return (perRequest, failures);
    }

    /// <summary>Runs the backend once for the batch's live requests and slices each its rows.</summary>
    private IReadOnlyList<Tensor>[] Infer(Batch batch, List<PendingRequest> live)
    {
        var inferStart = _time.GetTimestamp();
        foreach (var request in live)
        {
            request.QueueNanoseconds = SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(request.EnqueuedAt, inferStart));
        }

        var outputs = _backend.Run(batch.Inputs!, live[0].OutputNames);
        var inferNs = SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(inferStart));
        var outputStart = _time.GetTimestamp();
        var (rows, perRequest) = Slice(live, outputs);
        var outputNs = SchedulerErrors.ToNanoseconds(_time.GetElapsedTime(outputStart));

        // Recorded before any caller resumes, so a client that reads statistics right after its
        // response already sees this execution counted.
        _statistics.RecordExecution(rows, batch.InputNanoseconds, inferNs, outputNs);
        return perRequest;
    }

    /// <summary>
    /// A batch is done with its slot (and instance): the parked batch gets the instance, ready ones are
    /// taken. Returns them chained, the parked one first.
    /// </summary>
    private Batch? Finish(bool holdsInstance)
    {
        Batch? parked = null;
        Batch? ready;
        lock (_gate)
        {
            _taken--;
            if (holdsInstance)
            {
                _running--;
                if (_parked is { } p)
                {
                    _parked = null;
                    _running++;
                    parked = p;
                }
            }

            ready = TakeReadyLocked();
        }

        if (parked is null)
        {
            return ready;
        }

        parked.Next = ready;
        return parked;
    }

    /// <summary>Keeps the first of the batches for this thread and queues the rest.</summary>
    private static Batch? KeepFirst(Batch? batches)
    {
        if (batches is null)
        {
            return null;
        }

        Start(batches.Next);
        batches.Next = null;
        return batches;
    }

    private void Answered()
    {
        lock (_gate)
        {
            _unanswered--;
            CompleteDrainIfIdleLocked();
        }
    }

    private void CompleteDrainIfIdleLocked()
    {
        if (_closed && _unanswered == 0 && _queue.Count == 0)
        {
            _drained.TrySetResult();
        }
    }

    private static List<PendingRequest> StillWaiting(List<PendingRequest> requests) =>
        requests.Exists(static r => r.IsFinished) ? requests.FindAll(static r => !r.IsFinished) : requests;

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
        await _drained.Task.ConfigureAwait(false);
        _delayTimer.Dispose();
    }

    /// <summary>Requests taken from the queue together; a thread-pool work item that forms and runs them.</summary>
    private sealed class Batch : IThreadPoolWorkItem
    {
        private readonly DynamicBatcher _owner;

        public Batch(DynamicBatcher owner, List<PendingRequest> requests)
        {
            _owner = owner;
            Requests = requests;
        }

        public List<PendingRequest> Requests { get; }

        /// <summary>The requests whose callers still wait, once formed.</summary>
        public List<PendingRequest>? Live { get; set; }

        public IReadOnlyList<Tensor>? Inputs { get; set; }

        public List<byte[]> Rented { get; } = [];

        public long InputNanoseconds { get; set; }

        /// <summary>Set once formed: the batch runs next, with an instance it holds or, when parked, is handed.</summary>
        public bool HoldsInstance { get; set; }

        /// <summary>The next batch taken in the same pass.</summary>
        public Batch? Next { get; set; }

        public void Execute() => _owner.Execute(this);
    }
}
