namespace ModelDock.Server.Admission;

/// <summary>
/// The bytes of request data the server holds at once, across every request in flight. Requests
/// charge it as their bytes actually arrive, never from what they declare, so a client that
/// announces a large body and sends little costs little; one that really sends more than is left
/// is refused (429 / RESOURCE_EXHAUSTED) instead of growing the process.
/// </summary>
internal sealed class RequestMemoryBudget
{
    private long _available;

    public RequestMemoryBudget(long capacityBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacityBytes);
        Capacity = capacityBytes;
        _available = capacityBytes;
    }

    public long Capacity { get; }

    public long Available => Volatile.Read(ref _available);

    /// <summary>A quarter of the memory the process may use (the machine's, or its container limit), at least 256 MiB.</summary>
    public static long DefaultCapacity() =>
        Math.Max(256L * 1024 * 1024, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    public bool TryReserve(long bytes)
    {
        var available = Volatile.Read(ref _available);
        while (true)
        {
            if (available < bytes)
            {
                return false;
            }

            var seen = Interlocked.CompareExchange(ref _available, available - bytes, available);
            if (seen == available)
            {
                return true;
            }

            available = seen;
        }
    }

    public void Release(long bytes) => Interlocked.Add(ref _available, bytes);
}
