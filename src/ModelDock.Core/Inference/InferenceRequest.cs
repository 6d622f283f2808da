using ModelDock.Tensors;

namespace ModelDock.Inference;

/// <summary>
/// One inference call, independent of the transport it arrived on. REST, gRPC and in-process callers
/// all build this and go through the same validation, batching and error model.
/// </summary>
public sealed class InferenceRequest
{
    public required string ModelName { get; init; }

    /// <summary>A specific version, or null for the server's choice (the highest ready version).</summary>
    public string? ModelVersion { get; init; }

    /// <summary>Echoed back in the response when present.</summary>
    public string? Id { get; init; }

    public required IReadOnlyList<Tensor> Inputs { get; init; }

    /// <summary>The outputs the caller wants; empty means all of the model's outputs.</summary>
    public IReadOnlyList<RequestedOutput> Outputs { get; init; } = [];

    /// <summary>Request-level parameters (string, long, double or bool values), passed through untouched.</summary>
    public IReadOnlyDictionary<string, object> Parameters { get; init; } = EmptyParameters;

    /// <summary>A per-request deadline; null uses the model's default.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// The caller awaits this request before it starts another, as a protocol handler does for its one request.
    /// Then, when the model is idle and nothing waits, the request may run on the caller's own thread: it would be
    /// dispatched alone at once anyway, and this saves the hand-off to another thread. A caller that starts several
    /// requests before awaiting them must leave it false, or they would run one by one instead of batched together.
    /// </summary>
    public bool RunInlineWhenIdle { get; init; }

    /// <summary>The endpoint deployment the caller pins (header or metadata <c>x-modeldock-deployment</c>); null lets the traffic split choose.</summary>
    public string? Deployment { get; init; }

    /// <summary>
    /// The value of the header an endpoint's sticky key names (see <see cref="Serving.IInferenceService.RoutingHeader"/>), as the
    /// transport read it; null when the request has none or its target has no such key.
    /// </summary>
    public string? RoutingKey { get; init; }

    /// <summary>The transport the request arrived on, a label of its metrics.</summary>
    public InferenceProtocol Protocol { get; init; }

    /// <summary>The endpoint that routed this request to a deployment, null for a request to a model by name.</summary>
    internal string? Endpoint { get; private init; }

    /// <summary>The deployment of <see cref="Endpoint"/> this request was routed to.</summary>
    internal string? EndpointDeployment { get; private init; }

    /// <summary>This request sent to an endpoint deployment's model and version, everything else unchanged: how an endpoint hands it over.</summary>
    internal InferenceRequest RoutedTo(string model, string version, string endpoint, string deployment) =>
        Copy(model, version, null, null, Inputs, RunInlineWhenIdle, Protocol, (endpoint, deployment));

    /// <summary>This request pinned to an endpoint's deployment and carrying its routing key, as a transport reads them from headers.</summary>
    internal InferenceRequest WithRouting(string? deployment, string? routingKey) => Copy(ModelName, ModelVersion, deployment, routingKey, Inputs, RunInlineWhenIdle, Protocol, (Endpoint, EndpointDeployment));

    /// <summary>This request with other inputs, e.g. the model's inputs assembled from the entity keys it carries.</summary>
    internal InferenceRequest WithInputs(IReadOnlyList<Tensor> inputs) =>
        Copy(ModelName, ModelVersion, Deployment, RoutingKey, inputs, RunInlineWhenIdle, Protocol, (Endpoint, EndpointDeployment));

    /// <summary>
    /// This request for a mirror deployment, with inputs of its own: the transport may free the buffers the caller's
    /// inputs reference as soon as the caller is answered, while the copy may still wait in a queue. Never run inline,
    /// so it cannot hold the caller's thread.
    /// </summary>
    internal InferenceRequest MirroredTo(string model, string version)
    {
        var inputs = new Tensor[Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = Inputs[i].Detached();
        }

        return Copy(model, version, null, null, inputs, runInlineWhenIdle: false, InferenceProtocol.Mirror, (null, null));
    }

    private InferenceRequest Copy(
        string model, string? version, string? deployment, string? routingKey, IReadOnlyList<Tensor> inputs, bool runInlineWhenIdle, InferenceProtocol protocol,
        (string? Name, string? Deployment) endpoint) => new()
        {
            ModelName = model,
            ModelVersion = version,
            Id = Id,
            Inputs = inputs,
            Outputs = Outputs,
            Parameters = Parameters,
            Timeout = Timeout,
            RunInlineWhenIdle = runInlineWhenIdle,
            Deployment = deployment,
            RoutingKey = routingKey,
            Protocol = protocol,
            Endpoint = endpoint.Name,
            EndpointDeployment = endpoint.Deployment,
        };

    internal static readonly IReadOnlyDictionary<string, object> EmptyParameters = new Dictionary<string, object>();
}

/// <summary>Where a request came from; the <c>protocol</c> label of the request metrics.</summary>
public enum InferenceProtocol
{
    /// <summary>Called in process, not through a transport.</summary>
    InProcess,

    Rest,

    Grpc,

    /// <summary>A copy an endpoint sent to its mirror deployment.</summary>
    Mirror,
}

/// <summary>An output the caller asked for, with the transport hints that travel with it.</summary>
/// <param name="Name">The output's name in the model's signature.</param>
/// <param name="Binary">REST only: return this output in the binary tensor extension (null = request default).</param>
/// <param name="ClassCount">The classification extension's k: answer with the top k classes instead of the values; 0 = off.</param>
public sealed record RequestedOutput(string Name, bool? Binary = null, int ClassCount = 0);
