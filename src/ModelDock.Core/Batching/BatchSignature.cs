using System.Text;
using ModelDock.Errors;
using ModelDock.Tensors;

namespace ModelDock.Batching;

/// <summary>
/// Checks that a request can be batched and names what it may be batched with: requests with the
/// same inputs, datatypes and dimensions after the first (variable dims included), asking for the same outputs.
/// </summary>
internal static class BatchSignature
{
    public static (int Rows, string GroupKey) Describe(IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames, int maxBatchSize)
    {
        if (inputs.Count == 0)
        {
            throw ModelDockException.InvalidInput("The request has no inputs; a batched model needs at least one.");
        }

        var key = new StringBuilder();
        long rows = -1;
        Tensor? first = null;
        foreach (var input in inputs)
        {
            if (input.Shape.Length == 0)
            {
                throw ModelDockException.InvalidInput(
                    $"Input '{input.Name}' is a scalar, but the model batches along the first dimension; give it shape [batch, ...].");
            }

            if (first is null)
            {
                first = input;
                rows = input.Shape[0];
            }
            else if (input.Shape[0] != rows)
            {
                throw ModelDockException.InvalidInput(
                    $"Input '{input.Name}' has batch size {input.Shape[0]} but input '{first.Name}' has {rows}; all inputs of a request need the same first dimension.");
            }

            CheckData(input);
            key.Append(input.Name).Append('\0').Append((int)input.DataType);
            for (var d = 1; d < input.Shape.Length; d++)
            {
                key.Append(',').Append(input.Shape[d]);
            }

            key.Append('\n');
        }

        if (rows < 1)
        {
            throw ModelDockException.InvalidInput($"The request's batch size is {rows}; send at least one row.");
        }

        if (rows > maxBatchSize)
        {
            throw ModelDockException.InvalidInput(
                $"The request's batch size {rows} exceeds the model's max batch size {maxBatchSize}; split it into requests of at most {maxBatchSize} rows.");
        }

        foreach (var name in outputNames)
        {
            key.Append('\0').Append(name);
        }

        return ((int)rows, key.ToString());
    }

    private static void CheckData(Tensor input)
    {
        var elements = input.ElementCount;
        if (input.DataType == DataType.Bytes)
        {
            var count = input.BytesElements?.Count ?? 0;
            if (count != elements)
            {
                throw ModelDockException.InvalidInput(
                    $"Input '{input.Name}' holds {count} BYTES elements but shape [{string.Join(",", input.Shape)}] needs {elements}.");
            }

            return;
        }

        var expected = elements * input.DataType.ElementSize();
        if (input.Data.Length != expected)
        {
            throw ModelDockException.InvalidInput(
                $"Input '{input.Name}' holds {input.Data.Length} bytes but {input.DataType.ToWireName()}[{string.Join(",", input.Shape)}] needs {expected}.");
        }
    }
}
