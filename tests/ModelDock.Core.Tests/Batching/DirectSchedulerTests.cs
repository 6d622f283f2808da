using Microsoft.Extensions.Time.Testing;
using ModelDock.Batching;
using ModelDock.Errors;
using ModelDock.Serving;
using Xunit;
using static ModelDock.Core.Tests.Batching.RowMath;

namespace ModelDock.Core.Tests.Batching;

public sealed class DirectSchedulerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ScheduleAsync_MoreRequestsThanInstances_RunsAtMostInstanceCountAtOnce()
    {
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        var options = new SchedulerOptions { InstanceCount = 2 };
        await using var scheduler = new DirectScheduler(options, backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);

        var calls = Enumerable.Range(1, 5)
            .Select(marker => scheduler.ScheduleAsync([Input(marker, 1, 3)], BothOutputs, null, CancellationToken.None).AsTask())
            .ToArray();
        await WaitUntilAsync(() => backend.Running == 2 && scheduler.QueueDepth == 3, "two run and three wait");
        gate.Set();
        var results = await Task.WhenAll(calls).WaitAsync(Patience);

        Assert.Equal(2, backend.MaxRunning);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(ExpectedY(i + 1, 1, 3), results[i].Outputs[0].AsSpan<float>().ToArray());
            Assert.Equal(ExpectedS(i + 1, 1, 3), results[i].Outputs[1].AsSpan<float>().ToArray());
        }

        Assert.Equal(0, scheduler.QueueDepth);
    }

    [Fact]
    public async Task ScheduleAsync_AllInstancesBusyAndQueueFull_RefusesWithQueueFull()
    {
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        var options = new SchedulerOptions { InstanceCount = 1, MaxQueueSize = 1 };
        await using var scheduler = new DirectScheduler(options, backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);

        var running = scheduler.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the first request runs");
        var waiting = scheduler.ScheduleAsync([Input(2, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => scheduler.QueueDepth == 1, "the second request waits");

        var error = await Assert.ThrowsAsync<ModelDockException>(
            () => scheduler.ScheduleAsync([Input(3, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask());
        Assert.Equal(ErrorKind.QueueFull, error.Kind);
        Assert.Contains("1", error.Message, StringComparison.Ordinal);

        gate.Set();
        await Task.WhenAll(running, waiting).WaitAsync(Patience);
        Assert.False(RanAnyRowOf(backend, 3));
    }

    [Fact]
    public async Task ScheduleAsync_TimeoutPassesWhileWaitingForAnInstance_FailsWithTimeoutAndNeverRuns()
    {
        var time = new FakeTimeProvider();
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        var options = new SchedulerOptions { InstanceCount = 1 };
        await using var scheduler = new DirectScheduler(options, backend, new StatisticsCollector(time), time);

        var running = scheduler.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the first request runs");
        var expiring = scheduler.ScheduleAsync([Input(2, 1, 2)], BothOutputs, TimeSpan.FromMilliseconds(10), CancellationToken.None).AsTask();
        await WaitUntilAsync(() => scheduler.QueueDepth == 1, "the second request waits");
        time.Advance(TimeSpan.FromMilliseconds(10));

        var error = await Assert.ThrowsAsync<ModelDockException>(() => expiring.WaitAsync(Patience));
        Assert.Equal(ErrorKind.Timeout, error.Kind);
        gate.Set();
        await running.WaitAsync(Patience);
        Assert.False(RanAnyRowOf(backend, 2));
        Assert.Equal(0, scheduler.QueueDepth);
    }

    [Fact]
    public async Task ScheduleAsync_CallerCancelsWhileWaiting_FailsWithCancelledAndNeverRuns()
    {
        using var gate = new ManualResetEventSlim(false);
        var backend = new RowMathBackend { Gate = gate };
        var options = new SchedulerOptions { InstanceCount = 1 };
        await using var scheduler = new DirectScheduler(options, backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);
        using var cancellation = new CancellationTokenSource();

        var running = scheduler.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask();
        await WaitUntilAsync(() => backend.Running == 1, "the first request runs");
        var cancelled = scheduler.ScheduleAsync([Input(2, 1, 2)], BothOutputs, null, cancellation.Token).AsTask();
        await cancellation.CancelAsync();

        var error = await Assert.ThrowsAsync<ModelDockException>(() => cancelled.WaitAsync(Patience));
        Assert.Equal(ErrorKind.Cancelled, error.Kind);
        gate.Set();
        await running.WaitAsync(Patience);
        Assert.False(RanAnyRowOf(backend, 2));
    }

    [Fact]
    public async Task ScheduleAsync_BackendThrows_FailsWithInternalCarryingItsMessage()
    {
        var backend = new RowMathBackend { FailureFor = _ => new InvalidOperationException("bad weights") };
        await using var scheduler = new DirectScheduler(new SchedulerOptions(), backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);

        var error = await Assert.ThrowsAsync<ModelDockException>(
            () => scheduler.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask());

        Assert.Equal(ErrorKind.Internal, error.Kind);
        Assert.Contains("bad weights", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposeAsync_ThenSchedule_RefusesWithUnavailable()
    {
        var backend = new RowMathBackend();
        var scheduler = new DirectScheduler(new SchedulerOptions(), backend, new StatisticsCollector(TimeProvider.System), TimeProvider.System);
        await scheduler.DisposeAsync();

        var error = await Assert.ThrowsAsync<ModelDockException>(
            () => scheduler.ScheduleAsync([Input(1, 1, 2)], BothOutputs, null, CancellationToken.None).AsTask());

        Assert.Equal(ErrorKind.Unavailable, error.Kind);
    }
}
