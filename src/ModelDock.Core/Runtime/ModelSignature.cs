using ModelDock.Tensors;

namespace ModelDock.Runtime;

/// <summary>The inputs and outputs of a model version as the backend reports them (after config overrides).</summary>
public sealed record ModelSignature(IReadOnlyList<TensorSpec> Inputs, IReadOnlyList<TensorSpec> Outputs);
