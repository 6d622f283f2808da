using ModelDock.Errors;
using ModelDock.Repository;
using ModelDock.Runtime;
using ModelDock.Tensors;

namespace ModelDock.Inference;

/// <summary>
/// Checks a request against a version's signature before it is queued, so a client's mistake is an
/// InvalidInput naming the tensor and what was expected, never a failure inside ONNX Runtime.
/// </summary>
internal static class RequestValidator
{
    /// <summary>
    /// Validates inputs and requested outputs; returns the output names to compute, in response order
    /// (<paramref name="allOutputNames"/> itself when the request names none). Allocates nothing for a valid request
    /// that asks for every output.
    /// </summary>
    public static IReadOnlyList<string> Validate(
        InferenceRequest request, string model, ModelSignature signature, IReadOnlyList<string> allOutputNames, int maxBatchSize)
    {
        var inputs = request.Inputs;
        long? batchSize = null;
        string? batchInput = null;
        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            var spec = Find(signature.Inputs, input.Name)
                ?? throw Invalid($"input '{input.Name}' is not an input of model '{model}'; expected {Names(signature.Inputs)}");
            if (IndexOf(inputs, input.Name, i) >= 0)
            {
                throw Invalid($"input '{input.Name}' appears more than once");
            }

            CheckTensor(input, spec, maxBatchSize);
            if (maxBatchSize > 0)
            {
                var rows = input.Shape[0];
                if (batchSize is { } expected && rows != expected)
                {
                    throw Invalid($"input '{input.Name}' has batch size {rows} but input '{batchInput}' has batch size {expected}; all inputs must have the same first dimension");
                }

                batchSize = rows;
                batchInput = input.Name;
            }
        }

        // Every input is a distinct input of the model, so equal counts mean none is missing.
        if (inputs.Count != signature.Inputs.Count)
        {
            var missing = signature.Inputs.Where(s => IndexOf(inputs, s.Name, inputs.Count) < 0).ToList();
            throw Invalid($"input '{missing[0].Name}' of model '{model}' is missing; the model needs {string.Join(", ", missing.Select(s => s.ToString()))}");
        }

        if (request.Outputs.Count == 0)
        {
            return allOutputNames;
        }

        var outputs = new List<string>(request.Outputs.Count);
        foreach (var requested in request.Outputs)
        {
            if (Find(signature.Outputs, requested.Name) is null)
            {
                throw Invalid($"requested output '{requested.Name}' is not an output of model '{model}'; expected {Names(signature.Outputs)}");
            }

            if (outputs.Contains(requested.Name))
            {
                throw Invalid($"output '{requested.Name}' is requested more than once");
            }

            outputs.Add(requested.Name);
        }

        return outputs;
    }

    private static TensorSpec? Find(IReadOnlyList<TensorSpec> specs, string name)
    {
        for (var i = 0; i < specs.Count; i++)
        {
            if (specs[i].Name == name)
            {
                return specs[i];
            }
        }

        return null;
    }

    /// <summary>Where an input named <paramref name="name"/> occurs among the first <paramref name="count"/>; -1 if nowhere.</summary>
    private static int IndexOf(IReadOnlyList<Tensor> inputs, string name, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (inputs[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static void CheckTensor(Tensor input, TensorSpec spec, int maxBatchSize)
    {
        if (input.DataType != spec.DataType)
        {
            throw Invalid($"input '{input.Name}' has datatype {input.DataType.ToWireName()} but the model expects {spec.DataType.ToWireName()}");
        }

        var shape = input.Shape;
        if (shape.Length != spec.Shape.Length)
        {
            throw Invalid($"input '{input.Name}' has shape {Format(shape)} with {shape.Length} dimensions but the model expects {spec.Shape.Length} dimensions {Format(spec.Shape)}");
        }

        for (var i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0)
            {
                throw Invalid($"input '{input.Name}' has shape {Format(shape)}; dimension {i} is negative");
            }

            if (spec.Shape[i] >= 0 && shape[i] != spec.Shape[i])
            {
                throw Invalid($"input '{input.Name}' has shape {Format(shape)} but the model expects {Format(spec.Shape)}: dimension {i} must be {spec.Shape[i]}, not {shape[i]}");
            }
        }

        if (maxBatchSize > 0 && (shape[0] < 1 || shape[0] > maxBatchSize))
        {
            throw Invalid($"input '{input.Name}' has batch size {shape[0]} but the model accepts 1 to {maxBatchSize} (max_batch_size)");
        }

        long elements;
        try
        {
            elements = checked(Tensor.ElementCountOf(shape));
        }
        catch (OverflowException)
        {
            throw Invalid($"input '{input.Name}' has shape {Format(shape)}, too many elements");
        }

        if (input.DataType == DataType.Bytes)
        {
            var count = input.BytesElements?.Count ?? 0;
            if (count != elements)
            {
                throw Invalid($"input '{input.Name}' has shape {Format(shape)} ({elements} elements) but carries {count} BYTES elements");
            }

            return;
        }

        var size = input.DataType.ElementSize();
        if (elements > long.MaxValue / size || input.Data.Length != elements * size)
        {
            throw Invalid($"input '{input.Name}' has shape {Format(shape)} ({elements} {input.DataType.ToWireName()} elements = {elements * size} bytes) but carries {input.Data.Length} bytes of data");
        }
    }

    private static string Names(IEnumerable<TensorSpec> specs) => string.Join(", ", specs.Select(s => s.ToString()));

    private static string Format(long[] shape) => SignatureResolver.Format(shape);

    private static ModelDockException Invalid(string message) => ModelDockException.InvalidInput(message);
}
