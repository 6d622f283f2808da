using ModelDock.Runtime;
using ModelDock.Tensors;

namespace ModelDock.Repository;

/// <summary>
/// Combines what the model file declares with the config's <c>input</c>/<c>output</c> entries and
/// checks that a batching config fits the model. Problems are <see cref="InvalidDataException"/>s
/// whose message becomes the version's load failure reason.
/// </summary>
internal static class SignatureResolver
{
    public static ModelSignature Resolve(ModelSignature model, ModelConfig config)
    {
        var inputs = Apply(model.Inputs, config.Inputs, config.MaxBatchSize, "input");
        var outputs = Apply(model.Outputs, config.Outputs, config.MaxBatchSize, "output");
        if (config.MaxBatchSize > 0)
        {
            foreach (var (spec, kind) in inputs.Select(s => (s, "input")).Concat(outputs.Select(s => (s, "output"))))
            {
                if (spec.Shape.Length == 0 || spec.Shape[0] != -1)
                {
                    throw new InvalidDataException(
                        $"max_batch_size is {config.MaxBatchSize} but {kind} '{spec.Name}' has shape {Format(spec.Shape)}; " +
                        "its first dimension must be variable (-1) to carry the batch, or set max_batch_size to 0");
                }
            }
        }

        return new ModelSignature(inputs, outputs);
    }

    private static List<TensorSpec> Apply(IReadOnlyList<TensorSpec> declared, IReadOnlyList<TensorConfig> overrides, int maxBatchSize, string kind)
    {
        var result = declared.ToList();
        foreach (var entry in overrides)
        {
            var index = result.FindIndex(s => s.Name == entry.Name);
            if (index < 0)
            {
                throw new InvalidDataException(
                    $"config {kind} '{entry.Name}' is not an {kind} of the model; the model's {kind}s are: {string.Join(", ", declared.Select(s => s.Name))}");
            }

            var spec = result[index];
            if (entry.DataType is { } dataType && dataType != spec.DataType)
            {
                throw new InvalidDataException(
                    $"config {kind} '{entry.Name}' has data_type {dataType.ToWireName()} but the model declares {spec.DataType.ToWireName()}");
            }

            if (entry.Dims is { } dims)
            {
                var full = maxBatchSize > 0 ? [-1, .. dims] : dims;
                if (full.Length != spec.Shape.Length || full.Where((d, i) => spec.Shape[i] != -1 && d != spec.Shape[i]).Any())
                {
                    throw new InvalidDataException(
                        $"config {kind} '{entry.Name}' has dims {Format(dims)}{(maxBatchSize > 0 ? " (plus the batch dimension)" : string.Empty)} " +
                        $"but the model declares shape {Format(spec.Shape)}");
                }

                spec = spec with { Shape = full };
            }

            result[index] = spec;
        }

        return result;
    }

    public static string Format(IEnumerable<long> shape) => $"[{string.Join(",", shape)}]";
}
