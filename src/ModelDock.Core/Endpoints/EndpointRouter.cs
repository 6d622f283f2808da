using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Observability;
using ModelDock.Serving;

namespace ModelDock.Endpoints;

/// <summary>
/// The stage in front of the data plane that makes endpoints callable by name: a request to an endpoint goes to the
/// deployment it pins, or to one chosen by its sticky key or drawn by the traffic split, and its answer names the
/// deployment and version that served it. Routes are an immutable table swapped whole, only after every version they
/// name is loaded, so the first request after a change already sees it and none sees a deployment outside it. Any
/// other name passes straight through.
/// </summary>
/// <remarks>
/// A request the split sends elsewhere may also be copied to the endpoint's mirror deployment. The copy runs in the
/// background and its answer or failure is only counted: the caller never waits for it. At most
/// <see cref="MaxMirrorsInFlight"/> copies run at once across all endpoints; more are dropped and counted, so a slow
/// mirror cannot pile up memory or tasks.
/// </remarks>
internal sealed partial class EndpointRouter : IInferenceService
{
    public const string DeploymentParameter = "deployment";

    /// <summary>REST header and gRPC metadata key: pins a request to a deployment, and names the one that answered.</summary>
    public const string DeploymentHeader = "x-modeldock-deployment";

    /// <summary>Mirror copies that may run at once; each holds a copy of its request's inputs until it finishes.</summary>
    public const int MaxMirrorsInFlight = 64;

    private readonly IInferenceService _inner;
    private readonly ITrafficRandom _random;
    private readonly ILogger _logger;
    private readonly ServingMetrics? _metrics;
    private FrozenDictionary<string, EndpointRoute> _routes = FrozenDictionary<string, EndpointRoute>.Empty;
    private int _mirrorsInFlight;
    private long _mirrorsSent;
    private long _mirrorsDropped;
    private long _mirrorsFailed;

    public EndpointRouter(IInferenceService inner, ITrafficRandom random, ILogger logger, ServingMetrics? metrics = null)
    {
        _inner = inner;
        _random = random;
        _logger = logger;
        _metrics = metrics;
    }

    public bool IsReady => _inner.IsReady;

    public IReadOnlyDictionary<string, EndpointRoute> Routes => Volatile.Read(ref _routes);

    /// <summary>What the mirrors did since start, over all endpoints.</summary>
    public MirrorCounts Mirrors => new(
        Interlocked.Read(ref _mirrorsSent), Interlocked.Read(ref _mirrorsDropped), Interlocked.Read(ref _mirrorsFailed), Volatile.Read(ref _mirrorsInFlight));

    public void Publish(IEnumerable<EndpointRoute> routes) =>
        Volatile.Write(ref _routes, routes.ToFrozenDictionary(r => r.Definition.Name, StringComparer.Ordinal));

    public ModelMetadata GetMetadata(string model, string? version)
    {
        if (!TryRoute(model, out var route))
        {
            return _inner.GetMetadata(model, version);
        }

        var primary = Primary(route, version);
        var served = _inner.GetMetadata(primary.ServedName, primary.Version);
        return served with { Name = model, Versions = [.. route.Deployments.Select(d => d.Version).Distinct()] };
    }

    public ModelConfiguration GetConfiguration(string model, string? version)
    {
        if (!TryRoute(model, out var route))
        {
            return _inner.GetConfiguration(model, version);
        }

        var primary = Primary(route, version);
        return _inner.GetConfiguration(primary.ServedName, primary.Version) with { Name = model };
    }

    public bool IsModelReady(string model, string? version)
    {
        if (!TryRoute(model, out var route))
        {
            return _inner.IsModelReady(model, version);
        }

        return route.Deployments.Where(d => d.Percent > 0 && (version is null || d.Version == version)).Any(d => _inner.IsModelReady(d.ServedName, d.Version));
    }

    public ValueTask<InferenceResponse> InferAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!TryRoute(request.ModelName, out var route))
        {
            return _inner.InferAsync(request, cancellationToken);
        }

        if (request.ModelVersion is not null)
        {
            throw Rejected(request, ModelDockException.InvalidInput(
                $"'{request.ModelName}' is an endpoint: its traffic split picks the version; call it without one, or pin a deployment with x-modeldock-deployment"));
        }

        if (request.Deployment is { } pinned)
        {
            var target = route.Find(pinned) ?? throw Rejected(request, ModelDockException.NotFound(
                $"endpoint '{request.ModelName}' has no deployment '{pinned}' (it has {string.Join(", ", route.Deployments.Select(d => d.Name))})"));
            return RouteAsync(request, target, cancellationToken);
        }

        var deployment = route.Pick(request, _random)
            ?? throw Rejected(request, ModelDockException.Unavailable($"endpoint '{request.ModelName}' has no deployment that takes traffic"));

        // A request the mirror deployment serves live is not computed there a second time.
        if (route.Mirror is { } mirror && !ReferenceEquals(mirror, deployment) && _random.NextPercent() < route.MirrorPercent)
        {
            StartMirror(request, mirror);
        }

        return RouteAsync(request, deployment, cancellationToken);
    }

    public string? RoutingHeader(string model) => TryRoute(model, out var route) ? route.StickyHeader : null;

    /// <summary>Copies the request's inputs now, while the transport still holds them, and sends the copy in the background.</summary>
    private void StartMirror(InferenceRequest request, RoutedDeployment mirror)
    {
        if (!TryTakeMirrorSlot())
        {
            if (Interlocked.Increment(ref _mirrorsDropped) == 1)
            {
                LogMirrorsDropped(_logger, request.ModelName, mirror.Name, MaxMirrorsInFlight);
            }

            return;
        }

        Interlocked.Increment(ref _mirrorsSent);
        var copy = request.MirroredTo(mirror.ServedName, mirror.Version);
        _ = Task.Run(() => MirrorAsync(request.ModelName, mirror, copy));
    }

    /// <summary>Counts a copy in unless <see cref="MaxMirrorsInFlight"/> are running; the count never passes the limit, not even for a moment.</summary>
    private bool TryTakeMirrorSlot()
    {
        var current = Volatile.Read(ref _mirrorsInFlight);
        while (current < MaxMirrorsInFlight)
        {
            var seen = Interlocked.CompareExchange(ref _mirrorsInFlight, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    private async Task MirrorAsync(string endpoint, RoutedDeployment mirror, InferenceRequest copy)
    {
        try
        {
            // The copy outlives the caller's call, so the caller's cancellation is not its own; a copy that never ends holds one slot, no more.
            await _inner.InferAsync(copy, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The mirror's failure is the mirror deployment's news, not the caller's: no stack trace, and one warning.
            if (Interlocked.Increment(ref _mirrorsFailed) == 1)
            {
                LogMirrorFailedFirst(_logger, endpoint, mirror.Name, e.Message);
            }
            else
            {
                LogMirrorFailed(_logger, endpoint, mirror.Name, e.Message);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _mirrorsInFlight);
        }
    }

    private async ValueTask<InferenceResponse> RouteAsync(InferenceRequest request, RoutedDeployment deployment, CancellationToken cancellationToken)
    {
        using var span = Spans.StartRoute(request.ModelName, deployment.Name, deployment.Model, deployment.Version);
        InferenceResponse response;
        try
        {
            response = await _inner.InferAsync(request.RoutedTo(deployment.ServedName, deployment.Version, request.ModelName, deployment.Name), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            SpanFailure.Record(span, e);
            throw;
        }

        var parameters = new Dictionary<string, object>(response.Parameters.Count + 2, StringComparer.Ordinal);
        foreach (var (key, value) in response.Parameters)
        {
            parameters[key] = value;
        }

        parameters[DeploymentParameter] = deployment.Name;
        parameters["model"] = deployment.Model;
        return new InferenceResponse
        {
            ModelName = request.ModelName,
            ModelVersion = response.ModelVersion,
            Id = response.Id,
            Outputs = response.Outputs,
            Parameters = parameters,
        };
    }

    /// <summary>Counts a request the endpoint refused before any deployment saw it; its model label is the endpoint's name.</summary>
    private ModelDockException Rejected(InferenceRequest request, ModelDockException error)
    {
        _metrics?.RecordRejected(request, request.ModelName, error.Kind, endpoint: request.ModelName);
        return error;
    }

    private bool TryRoute(string model, out EndpointRoute route) => Volatile.Read(ref _routes).TryGetValue(model, out route!);

    private static RoutedDeployment Primary(EndpointRoute route, string? version) =>
        (version is null ? route.Primary : route.Deployments.FirstOrDefault(d => d.Version == version))
        ?? throw (version is null
            ? ModelDockException.Unavailable($"endpoint '{route.Definition.Name}' has no deployment yet")
            : ModelDockException.NotFound($"endpoint '{route.Definition.Name}' has no deployment of version {version}"));

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "A copy of a request to endpoint {Endpoint} failed on mirror deployment {Deployment}: {Reason}; the caller was answered, and later failures are logged at Debug and counted")]
    private static partial void LogMirrorFailedFirst(ILogger logger, string endpoint, string deployment, string reason);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Debug, Message = "A copy of a request to endpoint {Endpoint} failed on mirror deployment {Deployment}: {Reason}")]
    private static partial void LogMirrorFailed(ILogger logger, string endpoint, string deployment, string reason);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Warning, Message = "Endpoint {Endpoint}: {Limit} mirror copies are already running, so a copy for mirror deployment {Deployment} was dropped; later drops are only counted")]
    private static partial void LogMirrorsDropped(ILogger logger, string endpoint, string deployment, int limit);
}

/// <summary>Mirror copies since start: sent to their deployment, dropped because <see cref="EndpointRouter.MaxMirrorsInFlight"/> were running, failed there, and running now.</summary>
internal readonly record struct MirrorCounts(long Sent, long Dropped, long Failed, int InFlight);
