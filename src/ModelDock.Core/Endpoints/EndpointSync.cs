using Microsoft.Extensions.Logging;
using ModelDock.Errors;
using ModelDock.Polling;
using ModelDock.Registry;
using ModelDock.Serving;

namespace ModelDock.Endpoints;

/// <summary>
/// Keeps the router and the served versions in step with the endpoint store, whoever changed it (this server, the CLI,
/// another replica): it polls the store's change counter and, on a change, loads every version the endpoints name,
/// then swaps the routes, then retires the versions no route names. An endpoint whose new revision cannot be loaded
/// keeps routing as before, and the failure is logged.
/// </summary>
internal sealed partial class EndpointSync : IAsyncDisposable
{
    private readonly IEndpointStore _store;
    private readonly RegistryModelSource _source;
    private readonly EndpointRouter _router;
    private readonly ServingTable _table;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _applied = -1;
    private int _disposed;
    private Task _loop = Task.CompletedTask;

    public EndpointSync(IEndpointStore store, RegistryModelSource source, EndpointRouter router, ServingTable table, TimeSpan interval, ILogger logger)
    {
        _table = table;
        _store = store;
        _source = source;
        _router = router;
        _interval = interval;
        _logger = logger;
    }

    /// <summary>Applies the store as it is now, then keeps polling it.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken).ConfigureAwait(false);
        _loop = PollAsync(_stopping.Token);
    }

    /// <summary>
    /// Loads and warms a version before a change that deploys it is written, so a version that cannot load is refused
    /// with the reason while the endpoint stays as it was.
    /// </summary>
    public async Task PreloadAsync(string model, long version, CancellationToken cancellationToken)
    {
        var failures = await _source.LoadAsync([(model, version)], cancellationToken).ConfigureAwait(false);
        if (failures.TryGetValue((model, version), out var reason))
        {
            throw new ModelDockException(ErrorKind.Conflict, $"{model}:{version} cannot be loaded, so nothing was changed: {reason}");
        }
    }

    /// <summary>Applies whatever changed since the last call; returns at once when nothing did.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var counter = await _store.ChangeCounterAsync(cancellationToken).ConfigureAwait(false);
            if (counter == _applied)
            {
                return;
            }

            var endpoints = await _store.ListAsync(cancellationToken).ConfigureAwait(false);
            var failures = await _source.LoadAsync(endpoints.SelectMany(Versions), cancellationToken).ConfigureAwait(false);
            var routes = new List<EndpointRoute>();
            foreach (var endpoint in endpoints)
            {
                // A name a model source already serves stays that model's: an endpoint must not silently take it over.
                if (_table.OwnerOf(endpoint.Name) is { } owner && owner != _source)
                {
                    LogNameTaken(_logger, endpoint.Name, owner.Name);
                    continue;
                }

                var failed = Versions(endpoint).Where(failures.ContainsKey).ToList();
                if (failed.Count == 0)
                {
                    routes.Add(new EndpointRoute(endpoint));
                    continue;
                }

                var reasons = string.Join("; ", failed.Select(v => $"{v.Model}:{v.Version}: {failures[v]}"));
                LogKept(_logger, endpoint.Name, endpoint.Revision, reasons);
                if (_router.Routes.TryGetValue(endpoint.Name, out var previous))
                {
                    routes.Add(previous);
                }
            }

            var previousRoutes = _router.Routes;
            _router.Publish(routes);
            LogChanges(previousRoutes, routes);
            _source.MarkReady();
            _source.RetireExcept(routes.SelectMany(r => Versions(r.Definition)).ToHashSet());
            _applied = counter;
        }
        finally
        {
            _gate.Release();
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

    /// <summary>One line per endpoint whose routes changed, so a log shows when each change took effect on this replica.</summary>
    private void LogChanges(IReadOnlyDictionary<string, EndpointRoute> before, List<EndpointRoute> after)
    {
        var current = new HashSet<string>(StringComparer.Ordinal);
        foreach (var route in after)
        {
            current.Add(route.Definition.Name);
            if (!before.TryGetValue(route.Definition.Name, out var old) || old.Definition.Revision != route.Definition.Revision)
            {
                LogApplied(
                    _logger,
                    route.Definition.Name,
                    route.Definition.Revision,
                    string.Join(", ", route.Deployments.Select(d => $"{d.Name}={d.Model}:{d.Version} {d.Percent}%")));
            }
        }

        foreach (var name in before.Keys)
        {
            if (!current.Contains(name))
            {
                LogRemoved(_logger, name);
            }
        }
    }

    private static IEnumerable<(string Model, long Version)> Versions(EndpointDefinition endpoint) => endpoint.Deployments.Select(d => (d.Model, d.Version));

    private Task PollAsync(CancellationToken cancellationToken) =>
        PollLoop.RunAsync(_interval, TimeProvider.System, SyncAsync, e => LogSyncFailed(_logger, e.Message), cancellationToken);

    [LoggerMessage(EventId = 2100, Level = LogLevel.Error, Message = "Endpoint {Endpoint} revision {Revision} could not be loaded and keeps its previous routes: {Reasons}")]
    private static partial void LogKept(ILogger logger, string endpoint, long revision, string reasons);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Endpoint {Endpoint} is not served: the {Source} has a model of that name; rename the endpoint")]
    private static partial void LogNameTaken(ILogger logger, string endpoint, string source);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Information, Message = "Endpoint {Endpoint} revision {Revision} applied: {Deployments}")]
    private static partial void LogApplied(ILogger logger, string endpoint, long revision, string deployments);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Information, Message = "Endpoint {Endpoint} removed")]
    private static partial void LogRemoved(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Reading the endpoints failed; serving the routes as they were: {Reason}")]
    private static partial void LogSyncFailed(ILogger logger, string reason);
}
