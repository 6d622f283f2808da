using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ModelDock.Batching;

/// <summary>
/// A one-shot timer that fires a fraction of a millisecond after its due time, for batching delays.
/// </summary>
/// <remarks>
/// <see cref="System.Threading.Timer"/> measures time with the system's coarse tick (4 ms on common
/// Linux kernels), which turned a 500 µs <c>max_queue_delay_microseconds</c> into 4 ms for a request
/// that waited alone. These timers share one thread that waits on a monitor for whole milliseconds,
/// which the OS honours closely, and sleeps the sub-millisecond rest with nanosleep; a timer never
/// fires before its due time. Callbacks run on that thread, so they must be short: the batcher's only
/// takes what is ready and queues it.
/// </remarks>
internal sealed partial class PreciseTimer : ITimer
{
    private const long NotArmed = long.MaxValue;
    private const long Awake = long.MinValue;
    private static readonly long TicksPerMillisecond = Stopwatch.Frequency / 1000;

    // A monitor, not a Lock: the timer thread sleeps with Monitor.Wait.
    private static readonly object Gate = new();
    private static readonly List<PreciseTimer> Armed = [];
    private static Thread? _thread;

    // When the timer thread will wake up by itself; Awake while it is running or sleeping the
    // sub-millisecond rest (it looks at every timer before it sleeps again). A timer due later needs
    // no pulse: waking the thread only for it to go back to sleep costs a context switch per request.
    private static long _wakeAt = Awake;

    private readonly TimerCallback _callback;
    private readonly object? _state;
    private long _due = NotArmed;
    private bool _disposed;

    private PreciseTimer(TimerCallback callback, object? state)
    {
        _callback = callback;
        _state = state;
    }

    /// <summary>
    /// A precise timer on the system clock; any other clock (a test's fake time) makes its own timers,
    /// so time stays under the test's control.
    /// </summary>
    public static ITimer Create(TimeProvider time, TimerCallback callback, object? state) =>
        time == TimeProvider.System
            ? new PreciseTimer(callback, state)
            : time.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        if (period != Timeout.InfiniteTimeSpan)
        {
            throw new NotSupportedException("A precise timer fires once; re-arm it from its callback instead.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, Timeout.InfiniteTimeSpan);
        lock (Gate)
        {
            if (_disposed)
            {
                return false;
            }

            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                DisarmLocked();
                return true;
            }

            if (_due == NotArmed)
            {
                Armed.Add(this);
            }

            _due = Stopwatch.GetTimestamp() + (long)(dueTime.TotalSeconds * Stopwatch.Frequency);
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = "ModelDock batch timer" };
                _thread.Start();
            }

            if (_due < _wakeAt)
            {
                Monitor.Pulse(Gate);
            }
        }

        return true;
    }

    public void Dispose()
    {
        lock (Gate)
        {
            _disposed = true;
            DisarmLocked();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void DisarmLocked()
    {
        if (_due != NotArmed)
        {
            _due = NotArmed;
            Armed.Remove(this);
        }
    }

    private static void Run()
    {
        if (OperatingSystem.IsWindows())
        {
            // Windows wakes sleepers on a 15.6 ms tick unless a process asks for 1 ms.
            _ = TimeBeginPeriod(1);
        }

        var due = new List<PreciseTimer>();
        while (true)
        {
            long remaining;
            lock (Gate)
            {
                while (!TakeDueLocked(due, out remaining) && remaining >= TicksPerMillisecond)
                {
                    // Monitor waits count whole milliseconds: wake up to one early and sleep the rest below.
                    var milliseconds = remaining == NotArmed ? Timeout.Infinite : (int)Math.Min(int.MaxValue, remaining / TicksPerMillisecond);
                    _wakeAt = remaining == NotArmed ? NotArmed : Stopwatch.GetTimestamp() + (milliseconds * TicksPerMillisecond);
                    Monitor.Wait(Gate, milliseconds);
                    _wakeAt = Awake;
                }
            }

            if (due.Count == 0)
            {
                SleepUnderOneMillisecond(remaining);
                continue;
            }

            // Outside the lock: a callback may re-arm its own timer.
            foreach (var timer in due)
            {
                timer._callback(timer._state);
            }

            due.Clear();
        }
    }

    /// <summary>Moves the due timers to <paramref name="due"/>; false when there are none, with the ticks until the earliest (or <see cref="NotArmed"/>).</summary>
    private static bool TakeDueLocked(List<PreciseTimer> due, out long remaining)
    {
        var now = Stopwatch.GetTimestamp();
        var earliest = NotArmed;
        for (var i = Armed.Count - 1; i >= 0; i--)
        {
            var timer = Armed[i];
            if (timer._due <= now)
            {
                timer._due = NotArmed;
                Armed.RemoveAt(i);
                due.Add(timer);
            }
            else
            {
                earliest = Math.Min(earliest, timer._due);
            }
        }

        remaining = earliest == NotArmed ? NotArmed : earliest - now;
        return due.Count > 0;
    }

    /// <summary>
    /// Sleeps the sub-millisecond rest of a wait without holding the lock. Unix has nanosleep; on
    /// Windows the wait rounds up to the next millisecond, which is late but never early.
    /// </summary>
    private static void SleepUnderOneMillisecond(long ticks)
    {
        if (OperatingSystem.IsWindows())
        {
            Thread.Sleep(1);
            return;
        }

        var request = new UnixTimeSpec { Seconds = 0, Nanoseconds = (nint)(ticks * 1_000_000_000 / Stopwatch.Frequency) };
        _ = NanoSleep(in request, IntPtr.Zero);
    }

    [LibraryImport("winmm", EntryPoint = "timeBeginPeriod")]
    private static partial uint TimeBeginPeriod(uint milliseconds);

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(in UnixTimeSpec request, IntPtr remaining);

    [StructLayout(LayoutKind.Sequential)]
    private struct UnixTimeSpec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }
}
