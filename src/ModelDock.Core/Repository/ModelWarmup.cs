using ModelDock.Runtime;
using ModelDock.Tensors;

namespace ModelDock.Repository;

/// <summary>
/// Runs a new version on synthetic inputs before it is published, so the first real request does not
/// pay for lazy initialisation and a model that loads but cannot run never serves. Inputs are zeros
/// (empty strings for BYTES); variable dimensions other than the batch are 1.
/// </summary>
internal static class ModelWarmup
{
    public static void Run(IModelBackend backend, ModelSignature signature, ModelConfig config)
    {
        var outputNames = signature.Outputs.Select(o => o.Name).ToList();
        foreach (var batchSize in config.WarmupBatchSizes ?? [1])
        {
            var inputs = signature.Inputs.Select(spec => Zeros(spec, config.MaxBatchSize > 0 ? batchSize : null)).ToList();
            try
            {
                backend.Run(inputs, outputNames);
            }
            catch (Exception ex)
            {
                throw new InvalidDataException($"warm-up with batch size {batchSize} failed: {ex.Message}", ex);
            }
        }
    }

    private static Tensor Zeros(TensorSpec spec, int? batchSize)
    {
        var shape = spec.Shape.Select((d, i) => i == 0 && batchSize is { } b ? b : d < 0 ? 1 : d).ToArray();
        var count = checked((int)Tensor.ElementCountOf(shape));
        return spec.DataType == DataType.Bytes
            ? Tensor.FromBytes(spec.Name, shape, Enumerable.Range(0, count).Select(_ => System.Array.Empty<byte>()).ToArray())
            : Tensor.FromRaw(spec.Name, spec.DataType, shape, new byte[count * spec.DataType.ElementSize()]);
    }
}
