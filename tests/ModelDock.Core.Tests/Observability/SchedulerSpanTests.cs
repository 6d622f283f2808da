using System.Collections.Concurrent;
using System.Diagnostics;
using ModelDock.Batching;
using ModelDock.Core.Tests.Batching;
using ModelDock.Errors;
using ModelDock.Observability;
using ModelDock.Serving;
using Xunit;
using static ModelDock.Core.Tests.Batching.RowMath;

namespace ModelDock.Core.Tests.Observability;

/// <summary>Spans are seen by every listener in the process, so these tests run alone.</summary>
[CollectionDefinition(nameof(SpanListenerCollection), DisableParallelization = true)]
public sealed class SpanListenerCollection;

[Collection(nameof(SpanListenerCollection))]
public sealed class SchedulerSpanTests : IDisposable
{
    private const string Model = "rowmath";
    private static readonly ActivitySource Callers = new("ModelDock.Tests.Callers");
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public SchedulerSpanTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ModelDockActivitySource.Name or "ModelDock.Tests.Callers",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task DynamicBatcher_RequestsPiledUpBehindABusyInstance_OneBatchSpanLinksEachAndQueueSpansAreTheirChildren()
    {
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        var options = new SchedulerOptions { MaxBatchSize = 8, DynamicBatching = true, InstanceCount = 1 };
        await using var batcher = new DynamicBatcher(options, backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System, new BatchTracing(Model, "3"));
        var (first, _) = Call(batcher, marker: 0);
        await WaitUntilAsync(() => backend.Running == 1, "the first batch runs");
        var piled = Enumerable.Range(1, 4).Select(marker => Call(batcher, marker)).ToList();
        await WaitUntilAsync(() => batcher.QueueDepth == piled.Count, "the others wait");

        gate.Set();
        await first;
        await Task.WhenAll(piled.Select(p => p.Outcome));

        var callers = piled.Select(p => p.Caller).ToHashSet();
        var batch = Assert.Single(_stopped, a => a.OperationName == ModelDockActivitySource.BatchSpan && a.Links.Count() == piled.Count);
        Assert.Equal(callers, batch.Links.Select(l => l.Context.SpanId).ToHashSet());
        Assert.Contains(batch.ParentSpanId, callers);
        Assert.Equal(Model, batch.GetTagItem(SpanAttributeNames.Model));
        Assert.Equal("3", batch.GetTagItem(SpanAttributeNames.ModelVersion));
        Assert.Equal(piled.Count, batch.GetTagItem(SpanAttributeNames.BatchSize));
        var queued = _stopped.Where(a => a.OperationName == ModelDockActivitySource.QueueSpan && callers.Contains(a.ParentSpanId)).ToList();
        Assert.Equal(callers, queued.Select(q => q.ParentSpanId).ToHashSet());
        Assert.All(queued, q => Assert.True(q.StartTimeUtc + q.Duration <= batch.StartTimeUtc + TimeSpan.FromMilliseconds(1), "a wait ends when its batch starts"));
    }

    [Theory]
    [InlineData(false, "Internal", ActivityStatusCode.Error)]
    [InlineData(true, "InvalidInput", ActivityStatusCode.Unset)]
    public async Task DirectScheduler_BackendFails_BatchSpanHasErrorTypeAndErrorStatusOnlyForServerFaults(bool callersMistake, string errorType, ActivityStatusCode status)
    {
        var backend = new RowMathBackend
        {
            FailureFor = _ => callersMistake ? ModelDockException.InvalidInput("the model refused it") : new InvalidOperationException("the model crashed"),
        };
        await using var scheduler = new DirectScheduler(new SchedulerOptions { MaxBatchSize = 8 }, backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System, new BatchTracing(Model, "1"));

        var (outcome, caller) = Call(scheduler, marker: 7);

        await Assert.ThrowsAsync<ModelDockException>(() => outcome);
        var batch = Assert.Single(_stopped, a => a.OperationName == ModelDockActivitySource.BatchSpan && a.ParentSpanId == caller);
        Assert.Equal(errorType, batch.GetTagItem(SpanAttributeNames.ErrorType));
        Assert.Equal(status, batch.Status);
        Assert.Equal(caller, Assert.Single(batch.Links).Context.SpanId);
    }

    /// <summary>Schedules one request from inside a caller's span of its own, as a transport does.</summary>
    private static (Task Outcome, ActivitySpanId Caller) Call(IInferenceScheduler scheduler, int marker)
    {
        using var caller = Callers.StartActivity("caller")!;
        return (scheduler.ScheduleAsync([Input(marker, 1, 3)], BothOutputs, null, CancellationToken.None).AsTask(), caller.SpanId);
    }
}
