using ModelDock.Inference;

namespace ModelDock.Serving;

/// <summary>
/// The data plane the REST and gRPC transports call: inference, metadata and readiness. Failures are
/// <see cref="Errors.ModelDockException"/>s whose kind the transports map to status codes.
/// </summary>
public interface IInferenceService
{
    /// <summary>True when every model that should be loaded is ready.</summary>
    bool IsReady { get; }

    /// <summary>
    /// Throws NotFound for a model or version no source has, and Unavailable for one it has that is
    /// not serving (loading, failed to load, unloaded); inference and configuration answer the same.
    /// </summary>
    ModelMetadata GetMetadata(string model, string? version);

    /// <summary>The effective configuration of a served version; throws NotFound like <see cref="GetMetadata"/>.</summary>
    ModelConfiguration GetConfiguration(string model, string? version);

    /// <summary>False for unknown or not yet loaded models, never throws.</summary>
    bool IsModelReady(string model, string? version);

    ValueTask<InferenceResponse> InferAsync(InferenceRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// The request header (gRPC metadata key) whose value routes requests to <paramref name="model"/>, or null when none
    /// does: a transport passes that header's value as <see cref="InferenceRequest.RoutingKey"/>, and reads no header for
    /// any other model.
    /// </summary>
    string? RoutingHeader(string model) => null;
}
