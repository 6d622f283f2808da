using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using ModelDock.Batching;
using Xunit;

namespace ModelDock.Core.Tests.Batching;

public sealed class PreciseTimerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Change_DueTime_FiresOnceAndNeverBeforeItIsDue()
    {
        var fired = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        using var timer = PreciseTimer.Create(TimeProvider.System, _ =>
        {
            Interlocked.Increment(ref count);
            fired.TrySetResult(Stopwatch.GetTimestamp());
        }, null);

        var start = Stopwatch.GetTimestamp();
        Assert.True(timer.Change(TimeSpan.FromMilliseconds(3), Timeout.InfiniteTimeSpan));
        var at = await fired.Task.WaitAsync(Patience);

        Assert.True(Stopwatch.GetElapsedTime(start, at) >= TimeSpan.FromMilliseconds(3), "fired before its due time");
        await FireAndWaitAsync(TimeSpan.FromMilliseconds(5));
        Assert.Equal(1, Volatile.Read(ref count));
    }

    [Fact]
    public async Task Change_Infinite_DisarmsTheTimer()
    {
        var count = 0;
        using var timer = PreciseTimer.Create(TimeProvider.System, _ => Interlocked.Increment(ref count), null);

        // Due far enough ahead that a busy machine cannot preempt the test past it between the two calls.
        timer.Change(TimeSpan.FromMilliseconds(300), Timeout.InfiniteTimeSpan);
        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        // A timer due later than the disarmed one has fired, so the disarmed one would have too.
        await FireAndWaitAsync(TimeSpan.FromMilliseconds(400));
        Assert.Equal(0, Volatile.Read(ref count));
    }

    [Fact]
    public async Task Change_EarlierDueTime_MovesTheTimerForward()
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timer = PreciseTimer.Create(TimeProvider.System, _ => fired.TrySetResult(), null);

        timer.Change(TimeSpan.FromHours(1), Timeout.InfiniteTimeSpan);
        timer.Change(TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);

        await fired.Task.WaitAsync(Patience);
    }

    [Fact]
    public void Change_AfterDispose_ReturnsFalse()
    {
        var timer = PreciseTimer.Create(TimeProvider.System, _ => { }, null);
        timer.Dispose();

        Assert.False(timer.Change(TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void Change_Period_IsNotSupported()
    {
        using var timer = PreciseTimer.Create(TimeProvider.System, _ => { }, null);

        Assert.Throws<NotSupportedException>(() => timer.Change(TimeSpan.Zero, TimeSpan.FromMilliseconds(1)));
    }

    [Fact]
    public void Create_OtherClock_UsesThatClocksTimers()
    {
        var time = new FakeTimeProvider();
        var count = 0;
        using var timer = PreciseTimer.Create(time, _ => count++, null);

        timer.Change(TimeSpan.FromMilliseconds(5), Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromMilliseconds(4));
        Assert.Equal(0, count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, count);
    }

    private static async Task FireAndWaitAsync(TimeSpan due)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var witness = PreciseTimer.Create(TimeProvider.System, _ => fired.TrySetResult(), null);
        witness.Change(due, Timeout.InfiniteTimeSpan);
        await fired.Task.WaitAsync(Patience);
    }
}
