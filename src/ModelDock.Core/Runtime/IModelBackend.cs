using ModelDock.Tensors;

namespace ModelDock.Runtime;

/// <summary>
/// A loaded model version that can execute. <see cref="Run"/> may be called from several threads at
/// once (ONNX Runtime sessions are thread-safe); the instance count bounds how many run in parallel.
/// </summary>
public interface IModelBackend : IDisposable
{
    /// <summary>Platform string reported in metadata, e.g. <c>onnx_onnxv1</c>.</summary>
    string Platform { get; }

    ModelSignature Signature { get; }

    /// <summary>Runs the model once on already validated inputs and returns the named outputs in that order.</summary>
    IReadOnlyList<Tensor> Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames);
}
