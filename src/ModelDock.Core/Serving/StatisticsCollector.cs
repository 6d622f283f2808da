using ModelDock.Observability;

namespace ModelDock.Serving;

/// <summary>
/// Lock-free cumulative counters for one model version, in the shape of Triton's statistics extension.
/// Schedulers record executions, the model server records request outcomes.
/// </summary>
public sealed class StatisticsCollector
{
    private readonly TimeProvider _time;
    private readonly VersionMetrics? _metrics;
    private readonly Dictionary<int, long[]> _batches = [];
    private long _lastInferenceMs;
    private long _inferenceCount;
    private long _executionCount;
    private long _successCount, _successNs;
    private long _failCount, _failNs;
    private long _queueCount, _queueNs;
    private long _inputCount, _inputNs;
    private long _inferCount, _inferNs;
    private long _outputCount, _outputNs;

    public StatisticsCollector(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Statistics that also feed the version's metrics, which carry the same queue and execution numbers.</summary>
    internal StatisticsCollector(TimeProvider time, VersionMetrics? metrics)
        : this(time)
    {
        _metrics = metrics;
    }

    /// <summary>A request finished successfully after <paramref name="totalNs"/>, <paramref name="queueNs"/> of it waiting.</summary>
    public void RecordSuccess(long totalNs, long queueNs)
    {
        Interlocked.Increment(ref _successCount);
        Interlocked.Add(ref _successNs, totalNs);
        Interlocked.Increment(ref _queueCount);
        Interlocked.Add(ref _queueNs, queueNs);
        _metrics?.RecordQueue(queueNs);
        Interlocked.Exchange(ref _lastInferenceMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    public void RecordFailure(long totalNs)
    {
        Interlocked.Increment(ref _failCount);
        Interlocked.Add(ref _failNs, totalNs);
    }

    /// <summary>One model execution over <paramref name="batchSize"/> rows, split into its three phases.</summary>
    public void RecordExecution(int batchSize, long inputNs, long inferNs, long outputNs)
    {
        _metrics?.RecordExecution(batchSize, inputNs + inferNs + outputNs);
        Interlocked.Add(ref _inferenceCount, batchSize);
        Interlocked.Increment(ref _executionCount);
        Interlocked.Increment(ref _inputCount);
        Interlocked.Add(ref _inputNs, inputNs);
        Interlocked.Increment(ref _inferCount);
        Interlocked.Add(ref _inferNs, inferNs);
        Interlocked.Increment(ref _outputCount);
        Interlocked.Add(ref _outputNs, outputNs);
        lock (_batches)
        {
            if (!_batches.TryGetValue(batchSize, out var b))
            {
                b = new long[4];
                _batches[batchSize] = b;
            }

            b[0]++;
            b[1] += inputNs;
            b[2] += inferNs;
            b[3] += outputNs;
        }
    }

    public ModelStatistics Snapshot(string name, string version)
    {
        List<BatchStatistics> batches;
        lock (_batches)
        {
            batches = _batches.OrderBy(kv => kv.Key)
                .Select(kv => new BatchStatistics(
                    (ulong)kv.Key,
                    new((ulong)kv.Value[0], (ulong)kv.Value[1]),
                    new((ulong)kv.Value[0], (ulong)kv.Value[2]),
                    new((ulong)kv.Value[0], (ulong)kv.Value[3])))
                .ToList();
        }

        return new ModelStatistics(
            name,
            version,
            (ulong)Volatile.Read(ref _lastInferenceMs),
            (ulong)Volatile.Read(ref _inferenceCount),
            (ulong)Volatile.Read(ref _executionCount),
            new InferStatistics(
                Stat(ref _successCount, ref _successNs),
                Stat(ref _failCount, ref _failNs),
                Stat(ref _queueCount, ref _queueNs),
                Stat(ref _inputCount, ref _inputNs),
                Stat(ref _inferCount, ref _inferNs),
                Stat(ref _outputCount, ref _outputNs)),
            batches);
    }

    private static DurationStatistic Stat(ref long count, ref long ns) =>
        new((ulong)Volatile.Read(ref count), (ulong)Volatile.Read(ref ns));
}
