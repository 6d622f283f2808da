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

    /// <summary>The caller's timeout, else the default; a non-positive timeout is the caller's mistake.</summary>
    public static TimeSpan? ResolveTimeout(TimeSpan? timeout, TimeSpan? defaultTimeout)
    {
        var effective = timeout ?? defaultTimeout;
        if (effective is { } t && t <= TimeSpan.Zero)
        {
            throw ModelDockException.InvalidInput($"The timeout must be positive, got {t.TotalMilliseconds} ms.");
        }

        return effective;
    }

    public static long ToNanoseconds(TimeSpan elapsed) => elapsed.Ticks * 100;
}
