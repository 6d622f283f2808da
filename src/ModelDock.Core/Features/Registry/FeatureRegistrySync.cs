using Microsoft.Extensions.Logging;
using ModelDock.Features.Definitions;
using ModelDock.Polling;

namespace ModelDock.Features.Registry;

/// <summary>
/// Keeps a server on the applied feature definitions, whoever applied them (the CLI, another process): it polls the
/// registry's change counter and, on a change, publishes the definitions as they are now, the way
/// <see cref="Endpoints.EndpointSync"/> follows the endpoint store. A failed read keeps serving what was published.
/// </summary>
internal sealed partial class FeatureRegistrySync : IAsyncDisposable
{
    private readonly FeatureRegistry _registry;
    private readonly string _dataDir;
    private readonly TimeSpan _interval;
    private readonly Action<FeatureRepository> _publish;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private long _applied = -1;
    private int _disposed;
    private Task _loop = Task.CompletedTask;

    /// <param name="publish">Called with the definitions after each change; before the first apply, with none.</param>
    public FeatureRegistrySync(FeatureRegistry registry, string dataDir, TimeSpan interval, Action<FeatureRepository> publish, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _registry = registry;
        _dataDir = dataDir;
        _interval = interval;
        _publish = publish;
        _logger = logger;
    }

    /// <summary>Publishes the registry as it is now, then keeps polling it.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Sync();
        _loop = PollAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <summary>Publishes whatever changed since the last call; returns at once when nothing did.</summary>
    public void Sync()
    {
        lock (_gate)
        {
            var counter = _registry.ChangeCounter();
            if (counter == _applied)
            {
                return;
            }

            // Read after the counter: an apply in between is published now and published again on the next poll.
            var repository = _registry.GetRepository() ?? new FeatureRepository(_dataDir, [], [], [], []);
            _publish(repository);
            if (_applied >= 0)
            {
                LogApplied(_logger, counter, repository.FeatureViews.Count, repository.FeatureServices.Count);
            }

            _applied = counter;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private Task PollAsync(CancellationToken cancellationToken) =>
        PollLoop.RunAsync(_interval, TimeProvider.System, _ => { Sync(); return Task.CompletedTask; }, e => LogSyncFailed(_logger, e.Message), cancellationToken);

    [LoggerMessage(EventId = 2500, Level = LogLevel.Information, Message = "Feature definitions change {Counter} applied: {Views} feature views, {Services} feature services")]
    private static partial void LogApplied(ILogger logger, long counter, int views, int services);

    [LoggerMessage(EventId = 2501, Level = LogLevel.Warning, Message = "Reading the feature registry failed; serving the definitions as they were: {Reason}")]
    private static partial void LogSyncFailed(ILogger logger, string reason);
}
