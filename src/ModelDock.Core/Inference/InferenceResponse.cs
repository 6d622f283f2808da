using ModelDock.Tensors;

namespace ModelDock.Inference;

public sealed class InferenceResponse
{
    public required string ModelName { get; init; }

    public required string ModelVersion { get; init; }

    public string? Id { get; init; }

    public required IReadOnlyList<Tensor> Outputs { get; init; }

    public IReadOnlyDictionary<string, object> Parameters { get; init; } = InferenceRequest.EmptyParameters;
}
