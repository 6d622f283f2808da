using System.Collections.Concurrent;
using System.Text;
using ModelDock.Features.Online;

namespace ModelDock.Bench.Features;

/// <summary>
/// The embedded alternative that was measured against SQLite: rows in a concurrent dictionary. It is the
/// lower bound of an in-process store (no durability at all), used only to price SQLite's cost.
/// </summary>
internal sealed class DictionaryOnlineStore : IOnlineStore
{
    private readonly ConcurrentDictionary<(EntityKey Key, string View), byte[]> _rows = new();

    public string Name => "dictionary";

    public Task<int> WriteAsync(string view, IReadOnlyList<string> featureNames, IReadOnlyList<OnlineWriteRow> rows, CancellationToken cancellationToken)
    {
        var names = featureNames.Select(Encoding.UTF8.GetBytes).ToArray();
        foreach (var row in rows)
        {
            _rows[(row.Key, view)] = OnlineRowCodec.Encode(names, row.Values, row.EventTimestamp.UtcTicks, row.CreatedTimestamp?.UtcTicks ?? 0);
        }

        return Task.FromResult(rows.Count);
    }

    public ValueTask<OnlineReadResult> ReadAsync(IReadOnlyList<EntityKey> keys, OnlineReadPlan plan, CancellationToken cancellationToken)
    {
        var result = new OnlineReadResult(plan, keys.Count);
        for (var i = 0; i < keys.Count; i++)
        {
            for (var v = 0; v < plan.Views.Count; v++)
            {
                if (_rows.TryGetValue((keys[i], plan.Views[v].View), out var row))
                {
                    result.SetRow(i, v, row);
                }
            }
        }

        return ValueTask.FromResult(result);
    }

    public ValueTask<OnlineStoreHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(OnlineStoreHealth.Healthy("in memory"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
