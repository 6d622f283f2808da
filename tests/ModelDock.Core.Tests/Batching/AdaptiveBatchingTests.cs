using Microsoft.Extensions.Time.Testing;
using ModelDock.Batching;
using ModelDock.Errors;
using ModelDock.Serving;
using Xunit;
using static ModelDock.Core.Tests.Batching.RowMath;

namespace ModelDock.Core.Tests.Batching;

/// <summary>The dynamic batcher's default policy: requests wait for a busy instance, never for the delay.</summary>
public sealed class AdaptiveBatchingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void SchedulerOptions_Default_IsAdaptive()
    {
        Assert.Equal(BatchingPolicy.Adaptive, new SchedulerOptions().BatchingPolicy);
    }

    [Fact]
    public async Task ScheduleAsync_InstanceBusyLongerThanTheDelay_RequestsWaitForTheInstanceAndRunAsOneBatch()
    {
        var time = new FakeTimeProvider();
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        await using var batcher = new DynamicBatcher(Options(), backend, new StatisticsCollector(time), time);

        var first = batcher.ScheduleAsync([Input(0, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the first request runs");
        var waiting = Enumerable.Range(1, 3)
            .Select(marker => batcher.ScheduleAsync([Input(marker, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask())
            .ToArray();
        time.Advance(TimeSpan.FromHours(1));
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
    public async Task ScheduleAsync_PreferredSizeReachedWhileTheInstanceIsBusy_FormsThatBatchAheadAndQueuesTheRest()
    {
        var time = new FakeTimeProvider();
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        var options = Options() with { PreferredBatchSizes = [2] };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(time), time);

        var first = batcher.ScheduleAsync([Input(0, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the first request runs");
        var pair = Enumerable.Range(1, 2)
            .Select(marker => batcher.ScheduleAsync([Input(marker, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask())
            .ToArray();
        Assert.Equal(0, batcher.QueueDepth);
        var last = batcher.ScheduleAsync([Input(3, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        Assert.Equal(1, batcher.QueueDepth);

        gate.Set();
        var results = await Task.WhenAll([first, .. pair, last]).WaitAsync(Patience);

        for (var marker = 0; marker < results.Length; marker++)
        {
            Assert.True(Matches(results[marker], marker, 1, 2), $"request {marker} got rows that are not its own");
        }

        Assert.Equal([1, 2, 1], backend.BatchSizes);
    }

    [Fact]
    public async Task ScheduleAsync_OneOfTwoInstancesIsBusy_RunsTheNextRequestAtOnceOnTheOther()
    {
        var time = new FakeTimeProvider();
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        await using var batcher = new DynamicBatcher(Options() with { InstanceCount = 2 }, backend, new StatisticsCollector(time), time);

        var first = batcher.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the first request runs");
        var second = batcher.ScheduleAsync([Input(2, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 2, "the second request runs beside the first");

        gate.Set();

        Assert.True(Matches(await first.WaitAsync(Patience), 1, 1, 2));
        Assert.True(Matches(await second.WaitAsync(Patience), 2, 1, 2));
        Assert.Equal([1, 1], backend.BatchSizes);
    }

    [Fact]
    public async Task ScheduleAsync_NothingElseToRun_TheCallerResumesOnTheThreadThatRanItsBatch()
    {
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        await using var batcher = new DynamicBatcher(Options(), backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);

        var resumedOn = CallAndReportThreadAsync(batcher, marker: 1);
        await WaitUntilAsync(() => backend.Running == 1, "the request runs");
        gate.Set();

        Assert.Equal(Assert.Single(backend.Threads), await resumedOn.WaitAsync(Patience));
    }

    [Fact]
    public async Task ScheduleAsync_RequestsWaitWhenABatchEnds_TheThreadThatRanItRunsTheNextBatch()
    {
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        await using var batcher = new DynamicBatcher(Options(), backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);

        var first = batcher.ScheduleAsync([Input(0, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the first request runs");
        var waiting = Enumerable.Range(1, 2)
            .Select(marker => batcher.ScheduleAsync([Input(marker, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask())
            .ToArray();
        gate.Set();
        var results = await Task.WhenAll(waiting.Prepend(first)).WaitAsync(Patience);

        for (var marker = 0; marker < results.Length; marker++)
        {
            Assert.True(Matches(results[marker], marker, 1, 2), $"request {marker} got rows that are not its own");
        }

        Assert.Equal([1, 2], backend.BatchSizes);
        Assert.Single(backend.Threads.Distinct());
    }

    [Fact]
    public async Task ScheduleAsync_CallerCancelsWhileQueuedBehindABusyInstance_FailsWithCancelledAndNeverRuns()
    {
        var time = new FakeTimeProvider();
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        await using var batcher = new DynamicBatcher(Options(), backend, new StatisticsCollector(time), time);
        using var cancellation = new CancellationTokenSource();

        var first = batcher.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the first request runs");
        var cancelled = batcher.ScheduleAsync([Input(2, 1, 2)], BothOutputs, null, cancellation.Token).AsTask();
        var kept = batcher.ScheduleAsync([Input(3, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await cancellation.CancelAsync();

        var error = await Assert.ThrowsAsync<ModelDockException>(() => cancelled.WaitAsync(Patience));
        Assert.Equal(ErrorKind.Cancelled, error.Kind);
        Assert.Equal(1, batcher.QueueDepth);

        gate.Set();
        Assert.True(Matches(await first.WaitAsync(Patience), 1, 1, 2));
        Assert.True(Matches(await kept.WaitAsync(Patience), 3, 1, 2));
        Assert.False(RanAnyRowOf(backend, 2));
        Assert.Equal([1, 1], backend.BatchSizes);
    }

    [Fact]
    public async Task ScheduleAsync_TimeoutPassesWhileQueuedBehindABusyInstance_FailsWithTimeoutAndNeverRuns()
    {
        var time = new FakeTimeProvider();
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        await using var batcher = new DynamicBatcher(Options(), backend, new StatisticsCollector(time), time);

        var first = batcher.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the first request runs");
        var expiring = batcher.ScheduleAsync([Input(2, 1, 2)], BothOutputs, TimeSpan.FromMilliseconds(10), CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(10));

        var error = await Assert.ThrowsAsync<ModelDockException>(() => expiring.WaitAsync(Patience));
        Assert.Equal(ErrorKind.Timeout, error.Kind);
        Assert.Equal(0, batcher.QueueDepth);

        gate.Set();
        Assert.True(Matches(await first.WaitAsync(Patience), 1, 1, 2));
        Assert.False(RanAnyRowOf(backend, 2));
    }

    [Fact]
    public async Task ScheduleAsync_CallerCancelsWhileItsBatchRuns_IsAnsweredAtOnceAndTheNextRequestIsServed()
    {
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        await using var batcher = new DynamicBatcher(Options(), backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);
        using var cancellation = new CancellationTokenSource();

        var leaving = batcher.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, cancellation.Token).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the request runs");
        await cancellation.CancelAsync();

        var error = await Assert.ThrowsAsync<ModelDockException>(() => leaving.WaitAsync(Patience));
        Assert.Equal(ErrorKind.Cancelled, error.Kind);
        Assert.Equal(1, backend.Running);

        gate.Set();
        var next = await batcher.ScheduleAsync([Input(2, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask().WaitAsync(Patience);
        Assert.True(Matches(next, 2, 1, 2));
    }

    [Fact]
    public async Task DisposeAsync_RequestsQueuedBehindABusyInstance_AnswersThemAllBeforeItCompletes()
    {
        var time = new FakeTimeProvider();
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        var batcher = new DynamicBatcher(Options(), backend, new StatisticsCollector(time), time);

        // The calls are kept as value tasks: their own state shows what disposal waited for, where a
        // task made from one completes only when its continuation has run.
        var first = batcher.ScheduleAsync([Input(0, 1, 2)], BothOutputs, null, CancellationToken.None);
        await WaitUntilAsync(() => backend.Running == 1, "the first request runs");
        var waiting = Enumerable.Range(1, 3)
            .Select(marker => batcher.ScheduleAsync([Input(marker, 1, 2)], BothOutputs, null, CancellationToken.None))
            .ToArray();
        var disposing = batcher.DisposeAsync().AsTask();
        Assert.False(disposing.IsCompleted);

        gate.Set();
        await disposing.WaitAsync(Patience);

        ValueTask<ScheduleResult>[] calls = [first, .. waiting];
        Assert.All(calls, call => Assert.True(call.IsCompletedSuccessfully));
        for (var marker = 0; marker < calls.Length; marker++)
        {
            Assert.True(Matches(await calls[marker], marker, 1, 2), $"request {marker} got rows that are not its own");
        }

        var error = await Assert.ThrowsAsync<ModelDockException>(
            () => batcher.ScheduleAsync([Input(9, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask());
        Assert.Equal(ErrorKind.Unavailable, error.Kind);
    }

    /// <summary>A delay far shorter than the tests wait, so that only the policy keeps requests from running on it.</summary>
    private static SchedulerOptions Options() => new()
    {
        MaxBatchSize = 8,
        DynamicBatching = true,
        MaxQueueDelay = TimeSpan.FromMilliseconds(1),
    };

    /// <summary>Awaits one request without the test's context, so it resumes wherever the batcher resumes it.</summary>
    private static async Task<int> CallAndReportThreadAsync(DynamicBatcher batcher, int marker)
    {
        var result = await batcher.ScheduleAsync([Input(marker, 1, 2)], BothOutputs, null, CancellationToken.None).ConfigureAwait(false);
        Assert.True(Matches(result, marker, 1, 2));
        return Environment.CurrentManagedThreadId;
    }
}
