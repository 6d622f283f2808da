using FsCheck;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using ModelDock.Batching;
using ModelDock.Errors;
using ModelDock.Serving;
using Xunit;
using static ModelDock.Core.Tests.Batching.RowMath;

namespace ModelDock.Core.Tests.Batching;

public sealed class DynamicBatcherTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Property(MaxTest = 25)]
    public bool ScheduleAsync_ConcurrentMixedBatchSizes_EachCallerGetsExactlyItsRows(NonEmptyArray<PositiveInt> sizes, PositiveInt width, bool fixedDelay, bool runInline)
    {
        var rows = sizes.Get.Take(24).Select(s => 1 + (s.Get % 4)).ToArray();
        var w = 1 + (width.Get % 5);
        var backend = new RowMathBackend();
        var options = new SchedulerOptions
        {
            MaxBatchSize = 6,
            DynamicBatching = true,
            MaxQueueDelay = TimeSpan.FromMilliseconds(2),
            InstanceCount = 2,
            BatchingPolicy = fixedDelay ? BatchingPolicy.FixedDelay : BatchingPolicy.Adaptive,
        };
        var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);
        try
        {
            var calls = rows
                .Select((n, marker) => Task.Run(() => batcher.ScheduleAsync([Input(marker, n, w)], BothOutputs, null, CancellationToken.None, runInline).AsTask()))
                .ToArray();
            var results = Task.WhenAll(calls).WaitAsync(Patience).GetAwaiter().GetResult();
            var ownRowsBack = results.Select((result, marker) => Matches(result, marker, rows[marker], w)).All(ok => ok);
            return ownRowsBack && backend.BatchSizes.All(size => size <= options.MaxBatchSize) && backend.BatchSizes.Sum() == rows.Sum();
        }
        finally
        {
            batcher.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [Fact]
    public async Task ScheduleAsync_RequestsPileUpBehindABusyInstance_FormsBatchesWithinMaxBatchSize()
    {
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        var statistics = new StatisticsCollector(TimeProvider.System);
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, InstanceCount = 1 };
        await using var batcher = new DynamicBatcher(options, backend, statistics, TimeProvider.System);
        var random = new Random(42);
        var rows = Enumerable.Range(0, 60).Select(_ => random.Next(1, 4)).ToArray();

        var first = batcher.ScheduleAsync([Input(0, rows[0], 3)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the first batch runs");
        var rest = Enumerable.Range(1, rows.Length - 1)
            .Select(marker => batcher.ScheduleAsync([Input(marker, rows[marker], 3)], BothOutputs, null, CancellationToken.None).AsTask())
            .ToArray();
        // At most one batch of 8 rows is formed ahead while the instance is busy; the rest wait in the queue.
        await WaitUntilAsync(() => batcher.QueueDepth >= rows.Length - 1 - 8, "the requests queue up");
        gate.Set();
        var results = await Task.WhenAll(rest.Prepend(first)).WaitAsync(Patience);

        for (var marker = 0; marker < rows.Length; marker++)
        {
            Assert.True(Matches(results[marker], marker, rows[marker], 3), $"request {marker} got rows that are not its own");
        }

        Assert.All(backend.BatchSizes, size => Assert.InRange(size, 1, 8));
        Assert.Contains(backend.BatchSizes, size => size > 1);
        Assert.Equal(rows.Sum(), backend.BatchSizes.Sum());
        var snapshot = statistics.Snapshot("m", "1");
        Assert.Equal((ulong)rows.Sum(), snapshot.InferenceCount);
        Assert.Equal((ulong)backend.BatchSizes.Count, snapshot.ExecutionCount);
        Assert.Equal(0, batcher.QueueDepth);
    }

    [Fact]
    public async Task ScheduleAsync_LoneRequest_IsDispatchedOnceMaxQueueDelayPasses()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend();
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, BatchingPolicy = BatchingPolicy.FixedDelay, MaxQueueDelay = TimeSpan.FromMilliseconds(100) };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);

        var call = batcher.ScheduleAsync([Input(7, 2, 3)], BothOutputs, null, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(99));
        await Task.Delay(50);
        Assert.False(call.IsCompleted);
        Assert.Empty(backend.Shapes);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var result = await call.WaitAsync(Patience);

        Assert.True(Matches(result, 7, 2, 3));
        Assert.Equal(100_000_000, result.QueueNanoseconds);
        Assert.Equal([2], backend.BatchSizes);
    }

    [Fact]
    public async Task ScheduleAsync_DefaultPolicyAndTheInstanceIsIdle_RunsALoneRequestWithoutWaitingTheDelay()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend();
        var options = new SchedulerOptions
        {
            MaxBatchSize = 8,
            DynamicBatching = true,
            MaxQueueDelay = TimeSpan.FromHours(1),
        };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);

        var result = await batcher.ScheduleAsync([Input(7, 2, 3)], BothOutputs, null, CancellationToken.None).AsTask().WaitAsync(Patience);

        Assert.True(Matches(result, 7, 2, 3));
        Assert.Equal(0, result.QueueNanoseconds);
        Assert.Equal([2], backend.BatchSizes);
    }

    [Fact]
    public async Task ScheduleAsync_RunInlineWhenIdleAndTheInstanceIsIdle_RunsOnTheCallersThreadBeforeReturning()
    {
        var backend = new RowMathBackend();
        var statistics = new StatisticsCollector(TimeProvider.System);
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, MaxQueueDelay = TimeSpan.FromHours(1) };
        await using var batcher = new DynamicBatcher(options, backend, statistics, TimeProvider.System);

        var outcome = batcher.ScheduleAsync([Input(7, 2, 3)], BothOutputs, null, CancellationToken.None, runInlineWhenIdle: true);

        Assert.True(outcome.IsCompletedSuccessfully);
        Assert.True(Matches(await outcome, 7, 2, 3));
        Assert.Equal([2], backend.BatchSizes);
        var second = await batcher.ScheduleAsync([Input(8, 1, 3)], BothOutputs, null, CancellationToken.None, runInlineWhenIdle: true);
        Assert.True(Matches(second, 8, 1, 3));
        Assert.Equal(2UL, statistics.Snapshot("m", "1").ExecutionCount);
    }

    [Theory]
    [InlineData(BatchingPolicy.Adaptive, 60_000)]
    [InlineData(BatchingPolicy.FixedDelay, null)]
    public async Task ScheduleAsync_RunInlineWhenIdleWithATimeoutOrTheFixedDelayPolicy_IsQueuedAndTheCallerIsFree(BatchingPolicy policy, int? timeoutMs)
    {
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, MaxQueueDelay = TimeSpan.FromMilliseconds(1), BatchingPolicy = policy };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);
        var timeout = timeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;

        // Run inline, the call would block in the gated backend; queued, it returns at once.
        var outcome = await Task.Run(() => batcher.ScheduleAsync([Input(1, 1, 3)], BothOutputs, timeout, CancellationToken.None, runInlineWhenIdle: true))
            .WaitAsync(Patience);
        await WaitUntilAsync(() => backend.Running == 1, "the queued request runs on another thread");

        Assert.False(outcome.IsCompleted);
        gate.Set();
        Assert.True(Matches(await outcome.AsTask().WaitAsync(Patience), 1, 1, 3));
    }

    [Fact]
    public async Task ScheduleAsync_RunInlineWhenIdleButTheInstanceIsBusy_IsQueuedAndBatchedWithTheOthers()
    {
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, MaxQueueDelay = TimeSpan.FromHours(1), InstanceCount = 1 };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);
        var first = batcher.ScheduleAsync([Input(0, 1, 3)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the first request runs");

        var waiting = Enumerable.Range(1, 3)
            .Select(marker => batcher.ScheduleAsync([Input(marker, 1, 3)], BothOutputs, null, CancellationToken.None, runInlineWhenIdle: true))
            .ToArray();

        Assert.All(waiting, w => Assert.False(w.IsCompleted));
        gate.Set();
        await first.WaitAsync(Patience);
        for (var marker = 1; marker <= 3; marker++)
        {
            Assert.True(Matches(await waiting[marker - 1].AsTask().WaitAsync(Patience), marker, 1, 3));
        }

        Assert.Equal([1, 3], backend.BatchSizes);
    }

    [Fact]
    public async Task ScheduleAsync_DefaultPolicyAndTheInstanceIsBusy_BatchesTheArrivalsAndRunsThemWhenItFrees()
    {
        var time = new FakeTimeProvider();
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        var options = new SchedulerOptions
        {
            MaxBatchSize = 8,
            DynamicBatching = true,
            MaxQueueDelay = TimeSpan.FromHours(1),
        };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);

        var first = batcher.ScheduleAsync([Input(0, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the first request runs");
        var waiting = Enumerable.Range(1, 3)
            .Select(marker => batcher.ScheduleAsync([Input(marker, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask())
            .ToArray();
        Assert.Equal(3, batcher.QueueDepth);

        gate.Set();
        var results = await Task.WhenAll(waiting.Prepend(first)).WaitAsync(Patience);

        for (var marker = 0; marker < results.Length; marker++)
        {
            Assert.True(Matches(results[marker], marker, 1, 2), $"request {marker} got rows that are not its own");
        }

        Assert.Equal([1, 3], backend.BatchSizes);
    }

    [Fact]
    public async Task ScheduleAsync_DelayTimerFiresForARequestThatLeft_WaitsOutTheDelayOfTheNextOne()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend();
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, BatchingPolicy = BatchingPolicy.FixedDelay, MaxQueueDelay = TimeSpan.FromMilliseconds(100) };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);
        using var cancellation = new CancellationTokenSource();

        var leaving = batcher.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, cancellation.Token).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(50));
        var staying = batcher.ScheduleAsync([Input(2, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await cancellation.CancelAsync();
        await Assert.ThrowsAsync<ModelDockException>(() => leaving.WaitAsync(Patience));

        // The timer was armed for the request that left; when it fires, the one left has waited only half its delay.
        time.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Equal(1, batcher.QueueDepth);

        time.Advance(TimeSpan.FromMilliseconds(50));
        var result = await staying.WaitAsync(Patience);

        Assert.True(Matches(result, 2, 1, 2));
        Assert.Equal(100_000_000, result.QueueNanoseconds);
        Assert.Equal([1], backend.BatchSizes);
    }

    [Fact]
    public async Task ScheduleAsync_PreferredBatchSizeReached_DispatchesWithoutWaitingForTheDelay()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend();
        var options = new SchedulerOptions
        {
            MaxBatchSize = 8,
            DynamicBatching = true,
            BatchingPolicy = BatchingPolicy.FixedDelay,
            MaxQueueDelay = TimeSpan.FromHours(1),
            PreferredBatchSizes = [3],
        };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);

        var calls = new[] { (Marker: 1, Rows: 1), (Marker: 2, Rows: 2) }
            .Select(c => batcher.ScheduleAsync([Input(c.Marker, c.Rows, 2)], BothOutputs, null, CancellationToken.None).AsTask())
            .ToArray();
        var results = await Task.WhenAll(calls).WaitAsync(Patience);

        Assert.True(Matches(results[0], 1, 1, 2));
        Assert.True(Matches(results[1], 2, 2, 2));
        Assert.Equal([3], backend.BatchSizes);
    }

    [Fact]
    public async Task ScheduleAsync_NextRequestWouldOverflowTheBatch_DispatchesTheFirstAndKeepsTheSecondForTheNext()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend();
        var options = new SchedulerOptions { MaxBatchSize = 4, DynamicBatching = true, BatchingPolicy = BatchingPolicy.FixedDelay, MaxQueueDelay = TimeSpan.FromHours(1) };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);

        var first = batcher.ScheduleAsync([Input(1, 3, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        var second = batcher.ScheduleAsync([Input(2, 2, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        Assert.True(Matches(await first.WaitAsync(Patience), 1, 3, 2));
        Assert.False(second.IsCompleted);

        time.Advance(TimeSpan.FromHours(1));
        Assert.True(Matches(await second.WaitAsync(Patience), 2, 2, 2));
        Assert.Equal([3, 2], backend.BatchSizes);
    }

    [Fact]
    public async Task ScheduleAsync_RequestLargerThanMaxBatchSize_IsRejectedNamingBothSizes()
    {
        var backend = new RowMathBackend();
        var options = new SchedulerOptions { MaxBatchSize = 4, DynamicBatching = true };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);

        var error = await Assert.ThrowsAsync<ModelDockException>(
            () => batcher.ScheduleAsync([Input(1, 5, 2)], BothOutputs, null, CancellationToken.None).AsTask());

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("5", error.Message, StringComparison.Ordinal);
        Assert.Contains("4", error.Message, StringComparison.Ordinal);
        Assert.Empty(backend.Shapes);
    }

    [Fact]
    public async Task ScheduleAsync_QueueHoldsMaxQueueSize_RefusesTheNextWithQueueFull()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend();
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, BatchingPolicy = BatchingPolicy.FixedDelay, MaxQueueDelay = TimeSpan.FromHours(1), MaxQueueSize = 2 };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);

        var waiting = Enumerable.Range(1, 2)
            .Select(marker => batcher.ScheduleAsync([Input(marker, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask())
            .ToArray();
        var refused = batcher.ScheduleAsync([Input(3, 1, 2)], BothOutputs, null, CancellationToken.None);

        Assert.True(refused.IsCompleted);
        var error = await Assert.ThrowsAsync<ModelDockException>(() => refused.AsTask());
        Assert.Equal(ErrorKind.QueueFull, error.Kind);
        Assert.Contains("2", error.Message, StringComparison.Ordinal);
        Assert.Contains("retry", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, batcher.QueueDepth);

        time.Advance(TimeSpan.FromHours(1));
        await Task.WhenAll(waiting).WaitAsync(Patience);
        Assert.False(RanAnyRowOf(backend, 3));
    }

    [Fact]
    public async Task ScheduleAsync_TimeoutPassesWhileQueued_FailsWithTimeoutAndNeverRuns()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend();
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, BatchingPolicy = BatchingPolicy.FixedDelay, MaxQueueDelay = TimeSpan.FromMilliseconds(100) };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);

        var expiring = batcher.ScheduleAsync([Input(1, 1, 2)], BothOutputs, TimeSpan.FromMilliseconds(10), CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(10));
        var error = await Assert.ThrowsAsync<ModelDockException>(() => expiring.WaitAsync(Patience));
        Assert.Equal(ErrorKind.Timeout, error.Kind);
        Assert.Equal(0, batcher.QueueDepth);

        var later = batcher.ScheduleAsync([Input(2, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(Matches(await later.WaitAsync(Patience), 2, 1, 2));
        Assert.False(RanAnyRowOf(backend, 1));
    }

    [Fact]
    public async Task ScheduleAsync_DefaultTimeoutApplies_WhenTheCallerGivesNone()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend();
        var options = new SchedulerOptions
        {
            MaxBatchSize = 8,
            DynamicBatching = true,
            BatchingPolicy = BatchingPolicy.FixedDelay,
            MaxQueueDelay = TimeSpan.FromHours(1),
            DefaultTimeout = TimeSpan.FromSeconds(1),
        };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);

        var expiring = batcher.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<ModelDockException>(() => expiring.WaitAsync(Patience));
        Assert.Equal(ErrorKind.Timeout, error.Kind);
    }

    [Fact]
    public async Task ScheduleAsync_CallerCancelsWhileQueued_FailsWithCancelledAndNeverRuns()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend();
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, BatchingPolicy = BatchingPolicy.FixedDelay, MaxQueueDelay = TimeSpan.FromMilliseconds(100) };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);
        using var cancellation = new CancellationTokenSource();

        var cancelled = batcher.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, cancellation.Token).AsTask();
        var kept = batcher.ScheduleAsync([Input(2, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await cancellation.CancelAsync();
        var error = await Assert.ThrowsAsync<ModelDockException>(() => cancelled.WaitAsync(Patience));
        Assert.Equal(ErrorKind.Cancelled, error.Kind);
        Assert.Equal(1, batcher.QueueDepth);

        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(Matches(await kept.WaitAsync(Patience), 2, 1, 2));
        Assert.False(RanAnyRowOf(backend, 1));
        Assert.Equal([1], backend.BatchSizes);
    }

    [Fact]
    public async Task ScheduleAsync_BackendFails_FansTheErrorOutToTheWholeBatchAndTheNextBatchSucceeds()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend
        {
            FailureFor = marker => marker == Value(2, 0, 0) ? new InvalidOperationException("row 2 is poisoned") : null,
        };
        var options = new SchedulerOptions { MaxBatchSize = 3, DynamicBatching = true, BatchingPolicy = BatchingPolicy.FixedDelay, MaxQueueDelay = TimeSpan.FromHours(1) };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);

        var failing = Enumerable.Range(1, 3)
            .Select(marker => batcher.ScheduleAsync([Input(marker, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask())
            .ToArray();
        foreach (var call in failing)
        {
            var error = await Assert.ThrowsAsync<ModelDockException>(() => call.WaitAsync(Patience));
            Assert.Equal(ErrorKind.Internal, error.Kind);
            Assert.Contains("row 2 is poisoned", error.Message, StringComparison.Ordinal);
        }

        var next = Enumerable.Range(4, 3)
            .Select(marker => batcher.ScheduleAsync([Input(marker, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask())
            .ToArray();
        var results = await Task.WhenAll(next).WaitAsync(Patience);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.True(Matches(results[i], 4 + i, 1, 2));
        }

        Assert.Equal([3, 3], backend.BatchSizes);
    }

    [Fact]
    public async Task ScheduleAsync_ModelRefusesOneCallersData_OnlyThatCallerFailsAndTheOthersGetTheirRows()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend
        {
            FailureFor = marker => marker == Value(2, 0, 0) ? ModelDockException.InvalidInput("the model cannot run on this input") : null,
        };
        var statistics = new StatisticsCollector(time);
        var options = new SchedulerOptions { MaxBatchSize = 3, DynamicBatching = true, BatchingPolicy = BatchingPolicy.FixedDelay, MaxQueueDelay = TimeSpan.FromHours(1) };
        await using var batcher = new DynamicBatcher(options, backend, statistics, time);

        var calls = Enumerable.Range(1, 3)
            .Select(marker => batcher.ScheduleAsync([Input(marker, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask())
            .ToArray();

        var error = await Assert.ThrowsAsync<ModelDockException>(() => calls[1].WaitAsync(Patience));
        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.True(Matches(await calls[0].WaitAsync(Patience), 1, 1, 2));
        Assert.True(Matches(await calls[2].WaitAsync(Patience), 3, 1, 2));
        Assert.Equal([3, 1, 1, 1], backend.BatchSizes);
        Assert.Equal(2UL, statistics.Snapshot("m", "1").ExecutionCount);
    }

    [Fact]
    public async Task ScheduleAsync_BackendThrowsModelDockException_KeepsItsKind()
    {
        var backend = new RowMathBackend { FailureFor = _ => ModelDockException.InvalidInput("value out of range") };
        var options = new SchedulerOptions { MaxBatchSize = 2, DynamicBatching = true };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);

        var error = await Assert.ThrowsAsync<ModelDockException>(
            () => batcher.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask().WaitAsync(Patience));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Equal("value out of range", error.Message);
    }

    [Fact]
    public async Task ScheduleAsync_DifferentVariableDims_AreNeverConcatenatedTogether()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend();
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, BatchingPolicy = BatchingPolicy.FixedDelay, MaxQueueDelay = TimeSpan.FromMilliseconds(10) };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);

        var calls = new[] { (Marker: 1, Width: 2), (Marker: 2, Width: 3), (Marker: 3, Width: 2), (Marker: 4, Width: 3) }
            .Select(c => (c.Marker, c.Width, Task: batcher.ScheduleAsync([Input(c.Marker, 1, c.Width)], BothOutputs, null, CancellationToken.None).AsTask()))
            .ToArray();
        time.Advance(TimeSpan.FromMilliseconds(10));

        foreach (var (marker, width, task) in calls)
        {
            Assert.True(Matches(await task.WaitAsync(Patience), marker, 1, width));
        }

        Assert.Equal(
            [(2L, 2L), (2L, 3L)],
            backend.Shapes.Select(s => (s[0], s[1])).Order().ToArray());
    }

    [Fact]
    public async Task ScheduleAsync_DifferentOutputNames_AreBatchedSeparatelyAndGetWhatTheyAskedFor()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend();
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, BatchingPolicy = BatchingPolicy.FixedDelay, MaxQueueDelay = TimeSpan.FromMilliseconds(10) };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);

        var onlySum = batcher.ScheduleAsync([Input(1, 2, 2)], ["s"], null, CancellationToken.None).AsTask();
        var both = batcher.ScheduleAsync([Input(2, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(10));

        var sum = Assert.Single((await onlySum.WaitAsync(Patience)).Outputs);
        Assert.Equal("s", sum.Name);
        Assert.Equal(ExpectedS(1, 2, 2), sum.AsSpan<float>().ToArray());
        Assert.True(Matches(await both.WaitAsync(Patience), 2, 1, 2));
        Assert.Equal(2, backend.Shapes.Count);
    }

    [Fact]
    public async Task DisposeAsync_WithQueuedRequests_RunsThemAndRefusesNewOnesAsUnavailable()
    {
        var time = new FakeTimeProvider();
        var backend = new RowMathBackend();
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, BatchingPolicy = BatchingPolicy.FixedDelay, MaxQueueDelay = TimeSpan.FromHours(1) };
        var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);
        var queued = Enumerable.Range(1, 3)
            .Select(marker => batcher.ScheduleAsync([Input(marker, 1, 2)], BothOutputs, null, CancellationToken.None))
            .ToArray();

        await batcher.DisposeAsync().AsTask().WaitAsync(Patience);

        // Value tasks, not tasks made from them: a task completes only once its continuation has run.
        Assert.All(queued, call => Assert.True(call.IsCompletedSuccessfully));
        for (var i = 0; i < queued.Length; i++)
        {
            Assert.True(Matches(await queued[i], i + 1, 1, 2));
        }

        var error = await Assert.ThrowsAsync<ModelDockException>(
            () => batcher.ScheduleAsync([Input(9, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask());
        Assert.Equal(ErrorKind.Unavailable, error.Kind);
    }
}
