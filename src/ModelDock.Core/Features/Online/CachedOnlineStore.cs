using System.Collections.Concurrent;

namespace ModelDock.Features.Online;

/// <summary>
/// Decoded rows of another store kept in memory for a short time, so hot entities (a recommender's popular
/// candidates) are answered without a store round trip or decoding. Writes through this store drop the rows
/// they touch before they are acknowledged, so a read that starts after a write through this process sees it;
/// rows written by another process are served at most <c>maxAge</c> late. Absent rows are cached as absent
/// under the same rule. TTL still applies at read time: rows keep their event time.
/// </summary>
public sealed class CachedOnlineStore : IOnlineStore
{
    private readonly IOnlineStore _inner;
    private readonly TimeProvider _time;
    private readonly long _maxAge;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<RowKey, CachedRow> _rows = new();

    // Inserts and removals happen under the gate, so a read that raced a write never puts back the row the write
    // replaced: a write bumps the generation, and a read only caches what it read if the generation is unchanged.
    private readonly Lock _gate = new();
    private long _generation;
    private int _count;
    private long _nextSweep;

    public CachedOnlineStore(IOnlineStore inner, TimeSpan maxAge, int capacity, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(capacity, 0);
        _inner = inner;
        _time = time;
        _maxAge = (long)(maxAge.TotalSeconds * time.TimestampFrequency);
        _capacity = capacity;
    }

    public string Name => _inner.Name;

    /// <summary>The store this one reads through.</summary>
    public IOnlineStore Inner => _inner;

    /// <summary>Rows cached now, present or absent.</summary>
    public int Count => Volatile.Read(ref _count);

    public async Task<int> WriteAsync(string view, IReadOnlyList<string> featureNames, IReadOnlyList<OnlineWriteRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        try
        {
            return await _inner.WriteAsync(view, featureNames, rows, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Also after a failed write: part of it may have been stored.
            lock (_gate)
            {
                _generation++;
                foreach (var row in rows)
                {
                    if (_rows.TryRemove(new RowKey(row.Key, view), out _))
                    {
                        _count--;
                    }
                }
            }
        }
    }

    public async ValueTask<OnlineReadResult> ReadAsync(IReadOnlyList<EntityKey> keys, OnlineReadPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(plan);
        var result = new OnlineReadResult(plan, keys.Count);
        var started = _time.GetTimestamp();
        var generation = Volatile.Read(ref _generation);
        List<int>? misses = null;
        for (var i = 0; i < keys.Count; i++)
        {
            var complete = true;
            for (var v = 0; v < plan.Views.Count; v++)
            {
                if (_rows.TryGetValue(new RowKey(keys[i], plan.Views[v].View), out var cached) && started < cached.Expires)
                {
                    if (cached.Row is { } row)
                    {
                        result.SetRow(i, v, row);
                    }
                }
                else
                {
                    complete = false;
                }
            }

            if (!complete)
            {
                (misses ??= []).Add(i);
            }
        }

        if (misses is null)
        {
            return result;
        }

        var missed = new EntityKey[misses.Count];
        for (var m = 0; m < missed.Length; m++)
        {
            missed[m] = keys[misses[m]];
        }

        var fresh = await _inner.ReadAsync(missed, plan, cancellationToken).ConfigureAwait(false);
        for (var m = 0; m < missed.Length; m++)
        {
            for (var v = 0; v < plan.Views.Count; v++)
            {
                if (fresh.GetRow(m, v) is { } row)
                {
                    result.SetRow(misses[m], v, row);
                }
            }
        }

        Remember(missed, fresh, generation, started + _maxAge);
        return result;
    }

    public ValueTask<OnlineStoreHealth> CheckHealthAsync(CancellationToken cancellationToken) => _inner.CheckHealthAsync(cancellationToken);

    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    private void Remember(EntityKey[] keys, OnlineReadResult fresh, long generation, long expires)
    {
        var views = fresh.Plan.Views;
        lock (_gate)
        {
            if (generation != _generation || !MakeRoom(keys.Length * views.Count))
            {
                return;
            }

            for (var m = 0; m < keys.Length; m++)
            {
                for (var v = 0; v < views.Count; v++)
                {
                    var key = new RowKey(keys[m], views[v].View);
                    var entry = new CachedRow(fresh.GetRow(m, v), expires);
                    if (_rows.TryAdd(key, entry))
                    {
                        _count++;
                    }
                    else
                    {
                        _rows[key] = entry;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="rows"/> more fit; when they do not, drops expired rows, at most once per max age
    /// (a sweep visits every row). Rows that do not fit are not cached: the cache keeps what it holds until it expires.
    /// </summary>
    private bool MakeRoom(int rows)
    {
        if (_count + rows <= _capacity)
        {
            return true;
        }

        var now = _time.GetTimestamp();
        if (now < _nextSweep)
        {
            return false;
        }

        _nextSweep = now + _maxAge;
        foreach (var (key, row) in _rows)
        {
            if (row.Expires <= now && _rows.TryRemove(key, out _))
            {
                _count--;
            }
        }

        return _count + rows <= _capacity;
    }

    private readonly record struct RowKey(EntityKey Key, string View);

    /// <summary>A row as read (null: the store had none) and the timestamp after which it must be read again.</summary>
    private sealed record CachedRow(OnlineRow? Row, long Expires);
}
