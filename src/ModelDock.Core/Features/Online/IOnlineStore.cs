namespace ModelDock.Features.Online;

/// <summary>
/// Holds the latest feature values per entity key and feature view. Writes are last-write-wins by event
/// timestamp, then created timestamp, so re-running a materialization changes nothing and an older row
/// never replaces a newer one. A read costs one store round trip however many keys and views it asks for.
/// A store that cannot be reached throws <see cref="Errors.ModelDockException"/> with
/// <see cref="Errors.ErrorKind.Unavailable"/>.
/// </summary>
public interface IOnlineStore : IAsyncDisposable
{
    /// <summary>The name configuration uses for this store, e.g. <c>sqlite</c> or <c>redis</c>.</summary>
    string Name { get; }

    /// <summary>Writes rows of one feature view; returns how many replaced what was stored (the rest were older).</summary>
    Task<int> WriteAsync(string view, IReadOnlyList<string> featureNames, IReadOnlyList<OnlineWriteRow> rows, CancellationToken cancellationToken);

    /// <summary>Reads the plan's features for each key in one round trip; result rows follow the order of <paramref name="keys"/>.</summary>
    ValueTask<OnlineReadResult> ReadAsync(IReadOnlyList<EntityKey> keys, OnlineReadPlan plan, CancellationToken cancellationToken);

    ValueTask<OnlineStoreHealth> CheckHealthAsync(CancellationToken cancellationToken);
}
