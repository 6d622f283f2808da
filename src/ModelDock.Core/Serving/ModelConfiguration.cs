using ModelDock.Tensors;

namespace ModelDock.Serving;

/// <summary>
/// A served version's effective configuration in Triton's terms, as the model configuration
/// extension reports it (REST <c>/config</c>, gRPC <c>ModelConfig</c>): what the config file set,
/// completed with the defaults and with the signature read from the model.
/// </summary>
/// <param name="Inputs">Dims exclude the batch dimension when <paramref name="MaxBatchSize"/> &gt; 0, as in Triton.</param>
/// <param name="DynamicBatching">Null when the model is not dynamically batched.</param>
/// <param name="LatestVersions">Set for the latest-N policy.</param>
/// <param name="SpecificVersions">Set for the specific-versions policy; both null means all versions.</param>
public sealed record ModelConfiguration(
    string Name,
    string Platform,
    string Backend,
    int MaxBatchSize,
    IReadOnlyList<TensorSpec> Inputs,
    IReadOnlyList<TensorSpec> Outputs,
    DynamicBatchingConfiguration? DynamicBatching,
    int InstanceCount,
    int? LatestVersions,
    IReadOnlyList<long>? SpecificVersions);

/// <param name="MaxQueueSize">0 = unbounded, as Triton writes it.</param>
/// <param name="DefaultTimeoutMicroseconds">0 = no deadline.</param>
public sealed record DynamicBatchingConfiguration(
    IReadOnlyList<int> PreferredBatchSizes,
    long MaxQueueDelayMicroseconds,
    int MaxQueueSize,
    long DefaultTimeoutMicroseconds);
