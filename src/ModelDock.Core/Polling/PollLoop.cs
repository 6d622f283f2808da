namespace ModelDock.Polling;

/// <summary>
/// The loop behind every poller (model repository folder, endpoints, feature definitions): poll once per period
/// until stopped; a failed poll is reported and the next tick tries again, so what is served stays as it was
/// rather than the loop dying on one bad read.
/// </summary>
internal static class PollLoop
{
    public static async Task RunAsync(TimeSpan period, TimeProvider time, Func<CancellationToken, Task> poll, Action<Exception> failed, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await poll(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failed(e);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
