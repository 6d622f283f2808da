using System.Collections.Frozen;
using System.Diagnostics;
using ModelDock.Endpoints;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Observability;
using ModelDock.Serving;

namespace ModelDock.PayloadLog;

/// <summary>
/// The stage in front of the data plane that samples requests into the payload log. The sampling draw comes first;
/// a request not drawn goes straight through (no await, no allocation). A drawn one is timed, and once answered its
/// inputs are copied, while the transport still holds them, into a record the <see cref="PayloadBuffer"/> queues
/// without waiting. A drawn request without an id gets one, returned in the answer's <c>id</c>, so outcomes reported
/// later can be joined to the record. A drawn request that fails is kept too, with its error kind and no outputs.
/// </summary>
internal sealed class PayloadLoggingService : IInferenceService
{
    private readonly IInferenceService _inner;
    private readonly PayloadBuffer _buffer;
    private readonly TimeProvider _time;
    private readonly FrozenDictionary<string, double> _rates;
    private readonly double _defaultRate;
    private readonly bool _enabled;
    private readonly ThreadLocal<Random> _random = new(() => new Random());

    public PayloadLoggingService(IInferenceService inner, PayloadBuffer buffer, PayloadLogOptions options, TimeProvider time)
    {
        _inner = inner;
        _buffer = buffer;
        _time = time;
        _rates = options.Models.ToFrozenDictionary(m => m.Key, m => m.Value.SampleRate, StringComparer.Ordinal);
        _defaultRate = options.DefaultSampleRate;
        _enabled = options.Enabled;
    }

    public bool IsReady => _inner.IsReady;

    public ModelMetadata GetMetadata(string model, string? version) => _inner.GetMetadata(model, version);

    public ModelConfiguration GetConfiguration(string model, string? version) => _inner.GetConfiguration(model, version);

    public bool IsModelReady(string model, string? version) => _inner.IsModelReady(model, version);

    public string? RoutingHeader(string model) => _inner.RoutingHeader(model);

    public ValueTask<InferenceResponse> InferAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_enabled)
        {
            return _inner.InferAsync(request, cancellationToken);
        }

        var rate = _rates.TryGetValue(request.ModelName, out var own) ? own : _defaultRate;
        if (rate <= 0 || (rate < 100 && _random.Value!.NextDouble() * 100 >= rate))
        {
            return _inner.InferAsync(request, cancellationToken);
        }

        return CaptureAsync(request, cancellationToken);
    }

    private async ValueTask<InferenceResponse> CaptureAsync(InferenceRequest request, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        InferenceResponse response;
        try
        {
            response = await _inner.InferAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Inputs the model refused are data it was sent: drift and retraining want them as much as the answered ones.
            var kind = e is ModelDockException m ? m.Kind : ErrorKind.Internal;
            _buffer.TryAdd(
                request.Id ?? Guid.NewGuid().ToString("N"), _time.GetUtcNow(), request.ModelName, request.ModelVersion, deployment: null, TraceId(),
                _time.GetElapsedTime(start).TotalSeconds, ServingMetrics.OutcomeOf(kind), request.Inputs, []);
            throw;
        }

        var latency = _time.GetElapsedTime(start).TotalSeconds;
        var id = response.Id ?? request.Id;
        if (id is null)
        {
            id = Guid.NewGuid().ToString("N");
            response = new InferenceResponse
            {
                ModelName = response.ModelName,
                ModelVersion = response.ModelVersion,
                Id = id,
                Outputs = response.Outputs,
                Parameters = response.Parameters,
            };
        }

        var deployment = response.Parameters.TryGetValue(EndpointRouter.DeploymentParameter, out var d) ? d as string : null;
        _buffer.TryAdd(id, _time.GetUtcNow(), request.ModelName, response.ModelVersion, deployment, TraceId(), latency, error: null, request.Inputs, response.Outputs);
        return response;
    }

    private static string? TraceId() => Activity.Current is { } activity ? activity.TraceId.ToHexString() : null;
}
