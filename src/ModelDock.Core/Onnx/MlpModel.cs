namespace ModelDock.Onnx;

/// <summary>
/// A generated multi-layer perceptron: its ONNX bytes and the parameters baked into them, so callers
/// can compute expected outputs without running the model. <c>Weights[k]</c> is layer k's
/// row-major [LayerSizes[k], LayerSizes[k + 1]] matrix; <c>Biases[k]</c> has LayerSizes[k + 1] values.
/// </summary>
internal sealed record MlpModel(byte[] Onnx, int[] LayerSizes, IReadOnlyList<float[]> Weights, IReadOnlyList<float[]> Biases)
{
    public int InputSize => LayerSizes[0];

    public int OutputSize => LayerSizes[^1];
}
