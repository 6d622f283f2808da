using ModelDock.Tensors;

namespace ModelDock.Serving;

/// <summary>What the protocol's model metadata call reports.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Versions">Versions that can be requested explicitly, ascending.</param>
/// <param name="Platform">Backend platform string, e.g. <c>onnx_onnxv1</c>.</param>
/// <param name="Inputs">Declared inputs; -1 marks a variable dimension, including the batch dimension.</param>
/// <param name="Outputs">Declared outputs.</param>
/// <param name="MaxBatchSize">0 when the model has no batch dimension.</param>
public sealed record ModelMetadata(
    string Name,
    IReadOnlyList<string> Versions,
    string Platform,
    IReadOnlyList<TensorSpec> Inputs,
    IReadOnlyList<TensorSpec> Outputs,
    int MaxBatchSize);
