using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using ModelDock.Tensors;

namespace ModelDock.PayloadLog;

/// <summary>
/// The bounded hand-off between requests and the writer: at most <see cref="PayloadLogOptions.MaxBufferedRecords"/>
/// records in the channel and <see cref="PayloadLogOptions.MaxBufferedBytes"/> tensor bytes until they are written.
/// Adding never waits: a record that does not fit is dropped and counted, so a slow disk never slows inference.
/// </summary>
internal sealed class PayloadBuffer : IDisposable
{
    /// <summary>Meter the instruments belong to; the host exports it.</summary>
    public const string MeterName = "ModelDock";

    // Strings, ids and fixed columns a record holds besides its tensors, so records of tiny tensors are charged too.
    private const long RecordOverhead = 256;

    private readonly Channel<PayloadRecord> _channel;
    private readonly long _maxBytes;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _written;
    private long _bytes;
    private long _droppedTotal;
    private long _writtenTotal;

    public PayloadBuffer(PayloadLogOptions options, IMeterFactory? meters)
    {
        _channel = Channel.CreateBounded<PayloadRecord>(new BoundedChannelOptions(options.MaxBufferedRecords)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _maxBytes = options.MaxBufferedBytes;
        _ownsMeter = meters is null;
        _meter = meters?.Create(MeterName) ?? new Meter(MeterName);
        _dropped = _meter.CreateCounter<long>("modeldock.payload_log.dropped", "{record}", "Sampled requests the payload log did not keep: its buffer was full, or writing their file failed.");
        _written = _meter.CreateCounter<long>("modeldock.payload_log.written", "{record}", "Sampled requests written to the payload log's Parquet files.");
    }

    public ChannelReader<PayloadRecord> Reader => _channel.Reader;

    /// <summary>Records dropped since start, over all models.</summary>
    public long Dropped => Interlocked.Read(ref _droppedTotal);

    /// <summary>Records written since start, over all models.</summary>
    public long Written => Interlocked.Read(ref _writtenTotal);

    /// <summary>
    /// Copies the request's inputs into a record and queues it, or drops and counts it when the buffer is full. Room
    /// is reserved before the copy, so a full buffer costs no copy.
    /// </summary>
    public bool TryAdd(
        string requestId, DateTimeOffset timestamp, string model, string? version, string? deployment, string? traceId, double latencySeconds,
        string? error, IReadOnlyList<Tensor> inputs, IReadOnlyList<Tensor> outputs)
    {
        var bytes = RecordOverhead + ByteCount(inputs) + ByteCount(outputs);
        if (Interlocked.Add(ref _bytes, bytes) > _maxBytes)
        {
            Interlocked.Add(ref _bytes, -bytes);
            Drop(model, "buffer_full", 1);
            return false;
        }

        var own = new Tensor[inputs.Count];
        for (var i = 0; i < own.Length; i++)
        {
            own[i] = inputs[i].Detached();
        }

        // Outputs are arrays the runtime allocated for this answer; nothing returns them to a pool.
        var record = new PayloadRecord(requestId, timestamp, model, version, deployment, traceId, latencySeconds, error, own, outputs, bytes);
        if (!_channel.Writer.TryWrite(record))
        {
            Interlocked.Add(ref _bytes, -bytes);
            Drop(model, "buffer_full", 1);
            return false;
        }

        return true;
    }

    /// <summary>Records leave the budget once written (or given up on), not when read, so a batch being rolled counts too.</summary>
    public void Completed(string model, IReadOnlyList<PayloadRecord> records, bool written)
    {
        long bytes = 0;
        foreach (var record in records)
        {
            bytes += record.Bytes;
        }

        Interlocked.Add(ref _bytes, -bytes);
        if (written)
        {
            Interlocked.Add(ref _writtenTotal, records.Count);
            _written.Add(records.Count, new KeyValuePair<string, object?>("model", model));
        }
        else
        {
            Drop(model, "write_failed", records.Count);
        }
    }

    public void Dispose()
    {
        // A factory's meters are the factory's to dispose.
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private void Drop(string model, string reason, long count)
    {
        Interlocked.Add(ref _droppedTotal, count);
        if (_dropped.Enabled)
        {
            var tags = new TagList { { "model", model }, { "reason", reason } };
            _dropped.Add(count, tags);
        }
    }

    private static long ByteCount(IReadOnlyList<Tensor> tensors)
    {
        long bytes = 0;
        for (var i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i];
            if (tensor.BytesElements is { } elements)
            {
                for (var e = 0; e < elements.Count; e++)
                {
                    bytes += elements[e].Length + 16;
                }
            }
            else
            {
                bytes += tensor.Data.Length;
            }
        }

        return bytes;
    }
}
