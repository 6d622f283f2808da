using ModelDock.Errors;

namespace ModelDock.Batching;

/// <summary>The errors both schedulers answer with, worded once.</summary>
internal static class SchedulerErrors
{
    public static ModelDockException QueueFull(int maxQueueSize) =>
        new(ErrorKind.QueueFull, $"The model's queue is full ({maxQueueSize} requests waiting, the configured maximum); retry later.");

    public static ModelDockException Timeout(TimeSpan timeout) =>
        new(ErrorKind.Timeout, $"The request did not complete within its timeout of {timeout.TotalMilliseconds} ms.");

    public static ModelDockException Cancelled() =>
        new(ErrorKind.Cancelled, "The request was cancelled by the caller.");

    public static ModelDockException Closed() =>
        ModelDockException.Unavailable("The model is being unloaded and accepts no new requests.");

    /// <summary>A backend's own <see cref="ModelDockException"/> passes through; anything else is an internal fault.</summary>
    public static ModelDockException FromBackend(Exception exception) =>
        exception as ModelDockException
        ?? new ModelDockException(ErrorKind.Internal, $"The model failed to execute: {exception.Message}", exception);

    /// <summary>The longest wait a timer accepts (about 49.7 days); a longer timeout can never fire in practice.</summary>
    public static readonly TimeSpan LongestTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    /// <summary>
    /// The caller's timeout, else the default; a non-positive timeout is the caller's mistake, and one longer than
    /// <see cref="LongestTimeout"/> means no timeout (a timer would refuse it).
    /// </summary>
    public static TimeSpan? ResolveTimeout(TimeSpan? timeout, TimeSpan? defaultTimeout)
    {
        var effective = timeout ?? defaultTimeout;
        if (effective is { } t && t <= TimeSpan.Zero)
        {
            throw ModelDockException.InvalidInput($"The timeout must be positive, got {t.TotalMilliseconds} ms.");
        }

        return effective > LongestTimeout ? null : effective;
    }

    /// <summary>
    /// Triton's <c>timeout</c> request parameter: microseconds, 0 for none. Any 64-bit count is accepted; one beyond
    /// <see cref="LongestTimeout"/> means none, as it would never fire.
    /// </summary>
    public static TimeSpan? TimeoutFromMicroseconds(ulong microseconds) =>
        microseconds == 0 || microseconds > (ulong)(LongestTimeout.Ticks / TimeSpan.TicksPerMicrosecond)
            ? null
            : TimeSpan.FromMicroseconds((long)microseconds);

    public static long ToNanoseconds(TimeSpan elapsed) => elapsed.Ticks * 100;
}
