using Microsoft.Extensions.Logging;

namespace ModelDock.PayloadLog;

/// <summary>
/// Drains the <see cref="PayloadBuffer"/> in the background and hands each model's records to the sink once it holds
/// <see cref="PayloadLogOptions.RollRecords"/> of them or its oldest is <see cref="PayloadLogOptions.RollInterval"/>
/// old; on stop it writes what it holds, so a graceful shutdown loses nothing that was buffered. A failed write is
/// logged and its records counted as dropped; the writer carries on with the next.
/// </summary>
internal sealed partial class PayloadWriter : IAsyncDisposable
{
    private readonly PayloadBuffer _buffer;
    private readonly IPayloadSink _sink;
    private readonly int _rollRecords;
    private readonly TimeSpan _rollInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Batch> _pending = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _failures;

    public PayloadWriter(PayloadBuffer buffer, IPayloadSink sink, PayloadLogOptions options, TimeProvider time, ILogger logger)
    {
        _buffer = buffer;
        _sink = sink;
        _rollRecords = options.RollRecords;
        _rollInterval = options.RollInterval;
        _time = time;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Writes every record buffered so far and stops.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var stopping = false;
        while (!stopping)
        {
            using (var deadline = NextDeadline() is { } wait ? new CancellationTokenSource(wait, _time) : null)
            using (var wake = deadline is null ? null : CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, deadline.Token))
            {
                try
                {
                    await _buffer.Reader.WaitToReadAsync(wake?.Token ?? _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    stopping = _stop.IsCancellationRequested;
                }
            }

            while (_buffer.Reader.TryRead(out var record))
            {
                if (!_pending.TryGetValue(record.Model, out var batch))
                {
                    batch = new Batch(_time.GetTimestamp());
                    _pending[record.Model] = batch;
                }

                batch.Records.Add(record);
                if (batch.Records.Count >= _rollRecords)
                {
                    Flush(record.Model, batch);
                }
            }

            foreach (var (model, batch) in _pending.ToList())
            {
                if (stopping || _time.GetElapsedTime(batch.Started) >= _rollInterval)
                {
                    Flush(model, batch);
                }
            }
        }
    }

    private TimeSpan? NextDeadline()
    {
        TimeSpan? next = null;
        foreach (var batch in _pending.Values)
        {
            var left = _rollInterval - _time.GetElapsedTime(batch.Started);
            next = next is { } n && n < left ? n : left;
        }

        return next is { } d && d < TimeSpan.Zero ? TimeSpan.Zero : next;
    }

    private void Flush(string model, Batch batch)
    {
        _pending.Remove(model);
        var written = false;
        try
        {
            _sink.Write(model, batch.Records);
            written = true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (Interlocked.Increment(ref _failures) == 1)
            {
                LogWriteFailedFirst(_logger, batch.Records.Count, model, e.Message);
            }
            else
            {
                LogWriteFailed(_logger, batch.Records.Count, model, e.Message);
            }
        }

        _buffer.Completed(model, batch.Records, written);
    }

    [LoggerMessage(EventId = 2400, Level = LogLevel.Warning, Message = "The payload log could not write {Count} records of {Model}: {Reason}; they are counted as dropped, and later failures are logged at Debug")]
    private static partial void LogWriteFailedFirst(ILogger logger, int count, string model, string reason);

    [LoggerMessage(EventId = 2401, Level = LogLevel.Debug, Message = "The payload log could not write {Count} records of {Model}: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, int count, string model, string reason);

    private sealed class Batch(long started)
    {
        public long Started { get; } = started;

        public List<PayloadRecord> Records { get; } = [];
    }
}
