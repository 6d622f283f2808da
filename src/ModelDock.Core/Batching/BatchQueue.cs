namespace ModelDock.Batching;

/// <summary>
/// The waiting requests of one dynamic batcher, one FIFO list per group of compatible requests, and
/// the rule that decides when a batch is ready. Not thread-safe: the batcher holds its lock around every call.
/// </summary>
internal sealed class BatchQueue
{
    private readonly Dictionary<string, LinkedList<PendingRequest>> _groups = new(StringComparer.Ordinal);
    private readonly SchedulerOptions _options;
    private readonly TimeProvider _time;
    private long _nextSequence;

    public BatchQueue(SchedulerOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    public int Count { get; private set; }

    public void Enqueue(PendingRequest request, long now)
    {
        if (!_groups.TryGetValue(request.GroupKey, out var group))
        {
            group = new LinkedList<PendingRequest>();
            _groups.Add(request.GroupKey, group);
        }

        request.Sequence = _nextSequence++;
        request.EnqueuedAt = now;
        request.Node = group.AddLast(request);
        Count++;
    }

    /// <summary>Removes a request that is still waiting; false when it was already taken into a batch.</summary>
    public bool Remove(PendingRequest request)
    {
        if (request.Node is not { List: { } group } node)
        {
            return false;
        }

        group.Remove(node);
        request.Node = null;
        Count--;
        if (group.Count == 0)
        {
            _groups.Remove(request.GroupKey);
        }

        return true;
    }

    /// <summary>
    /// Takes the ready batch whose first request is oldest. A group is ready when its head-first run of
    /// requests fills the max batch size, when the next request would overflow it (the queue cannot grow
    /// it), when it reaches a preferred size (the largest one reached wins), with the fixed-delay policy
    /// when its oldest request has waited the max queue delay, or when <paramref name="flush"/> is set.
    /// Otherwise returns null and, with the fixed-delay policy, the time until the earliest group becomes
    /// ready by delay (null when nothing waits, and always with the adaptive policy, which never waits
    /// for a delay).
    /// </summary>
    public List<PendingRequest>? TryTakeBatch(long now, bool flush, out TimeSpan? wait)
    {
        wait = null;
        LinkedList<PendingRequest>? best = null;
        var bestCount = 0;
        foreach (var group in _groups.Values)
        {
            var count = ReadyCount(group, now, flush, out var remaining);
            if (count > 0)
            {
                if (best is null || group.First!.Value.Sequence < best.First!.Value.Sequence)
                {
                    best = group;
                    bestCount = count;
                }
            }
            else if (remaining is { } r && (wait is null || r < wait))
            {
                wait = r;
            }
        }

        if (best is null)
        {
            return null;
        }

        var batch = new List<PendingRequest>(bestCount);
        for (var i = 0; i < bestCount; i++)
        {
            var request = best.First!.Value;
            Remove(request);
            batch.Add(request);
        }

        wait = null;
        return batch;
    }

    private int ReadyCount(LinkedList<PendingRequest> group, long now, bool flush, out TimeSpan? remaining)
    {
        remaining = null;
        var rows = 0;
        var count = 0;
        var preferredCount = 0;
        var canGrow = true;
        for (var node = group.First; node is not null; node = node.Next)
        {
            if (rows + node.Value.Rows > _options.MaxBatchSize)
            {
                canGrow = false;
                break;
            }

            rows += node.Value.Rows;
            count++;
            if (IsPreferred(rows))
            {
                preferredCount = count;
            }
        }

        if (flush || !canGrow || rows == _options.MaxBatchSize)
        {
            return count;
        }

        if (_options.BatchingPolicy == BatchingPolicy.Adaptive)
        {
            return preferredCount;
        }

        var waited = _time.GetElapsedTime(group.First!.Value.EnqueuedAt, now);
        if (waited >= _options.MaxQueueDelay)
        {
            return count;
        }

        if (preferredCount == 0)
        {
            remaining = _options.MaxQueueDelay - waited;
        }

        return preferredCount;
    }

    private bool IsPreferred(int rows)
    {
        foreach (var size in _options.PreferredBatchSizes)
        {
            if (size == rows)
            {
                return true;
            }
        }

        return false;
    }
}
