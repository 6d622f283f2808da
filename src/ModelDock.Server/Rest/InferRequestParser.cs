using System.Text.Json;
using ModelDock.Batching;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Server.Shared;
using ModelDock.Tensors;

namespace ModelDock.Server.Rest;

/// <summary>
/// Parses an OIP REST inference request: a JSON header, optionally followed by the binary tensor
/// extension's blobs, which are referenced in place rather than copied. An HTTP request's handler
/// awaits its one inference, so every request may run inline when its model is idle.
/// </summary>
internal static class InferRequestParser
{
    public const string BinaryDataSize = "binary_data_size";
    public const string BinaryData = "binary_data";
    public const string BinaryDataOutput = "binary_data_output";
    public const string TimeoutParameter = "timeout";

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    /// <param name="body">The whole request body.</param>
    /// <param name="jsonLength">Bytes of JSON at the start of <paramref name="body"/>; the rest is binary tensor data.</param>
    public static RestInferRequest Parse(string model, string? version, ReadOnlyMemory<byte> body, int jsonLength)
    {
        var binary = body[jsonLength..];
        var reader = new Utf8JsonReader(body.Span[..jsonLength], ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw ModelDockException.InvalidInput("the inference request must be a JSON object");
        }

        string? id = null;
        Dictionary<string, object>? parameters = null;
        List<Tensor>? inputs = null;
        List<RequestedOutput>? outputs = null;
        var binaryOffset = 0;
        while (NextProperty(ref reader))
        {
            if (JsonText.Is(ref reader, "id"u8))
            {
                reader.Read();
                id = JsonText.Read(ref reader, "'id'");
            }
            else if (JsonText.Is(ref reader, "parameters"u8))
            {
                reader.Read();
                parameters = ReadParameters(ref reader, "parameters");
            }
            else if (JsonText.Is(ref reader, "inputs"u8))
            {
                reader.Read();
                inputs = ReadInputs(ref reader, jsonLength, binary, ref binaryOffset);
            }
            else if (JsonText.Is(ref reader, "outputs"u8))
            {
                reader.Read();
                outputs = ReadOutputs(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Anything after the root object is a syntax error the reader reports with its position.
        reader.Read();
        if (inputs is null)
        {
            throw ModelDockException.InvalidInput("the inference request has no 'inputs'");
        }

        if (binaryOffset != binary.Length)
        {
            throw ModelDockException.InvalidInput(
                $"{binary.Length} bytes of binary data follow the JSON but the inputs' binary_data_size add up to {binaryOffset}");
        }

        var request = new InferenceRequest
        {
            Protocol = InferenceProtocol.Rest,
            ModelName = model,
            ModelVersion = version,
            Id = id,
            Inputs = inputs,
            Outputs = outputs ?? (IReadOnlyList<RequestedOutput>)[],
            Parameters = parameters ?? InferenceRequest.EmptyParameters,
            Timeout = TimeoutOf(parameters),
            RunInlineWhenIdle = true,
        };
        return new RestInferRequest(request, BoolParameter(parameters, BinaryDataOutput, "parameters") ?? false);
    }

    /// <summary>
    /// A body that is one tensor's bytes and nothing else (Inference-Header-Content-Length: 0): the
    /// datatype and shape come from the model's only input; every output comes back binary.
    /// </summary>
    public static RestInferRequest ParseRaw(string model, string? version, ReadOnlyMemory<byte> body, TensorSpec input, bool batched)
    {
        Tensor tensor;
        if (input.DataType == DataType.Bytes)
        {
            var elements = BinaryStrings.Read(input.Name, body.Span, long.MaxValue);
            tensor = Tensor.FromBytes(input.Name, RawShape(input, batched, elements.Count, body.Length), elements);
        }
        else
        {
            var size = input.DataType.ElementSize();
            if (body.Length % size != 0)
            {
                throw ModelDockException.InvalidInput(
                    $"input '{input.Name}': {body.Length} bytes is not a whole number of {input.DataType.ToWireName()} elements");
            }

            tensor = Tensor.FromRaw(input.Name, input.DataType, RawShape(input, batched, body.Length / size, body.Length), body);
        }

        return new RestInferRequest(new InferenceRequest { Protocol = InferenceProtocol.Rest, ModelName = model, ModelVersion = version, Inputs = [tensor], RunInlineWhenIdle = true }, true);
    }

    private static long[] RawShape(TensorSpec input, bool batched, long elements, int bytes)
    {
        var shape = (long[])input.Shape.Clone();
        if (batched && shape.Length > 0)
        {
            shape[0] = 1;
        }

        long known = 1;
        var variable = -1;
        for (var i = 0; i < shape.Length; i++)
        {
            if (shape[i] >= 0)
            {
                known *= shape[i];
            }
            else if (variable >= 0)
            {
                throw ModelDockException.InvalidInput(
                    $"input '{input.Name}' has more than one variable dimension; a raw binary request cannot tell its shape");
            }
            else
            {
                variable = i;
            }
        }

        if (variable >= 0 && known > 0 && elements % known == 0)
        {
            shape[variable] = elements / known;
            known = elements;
        }

        if (known != elements)
        {
            throw ModelDockException.InvalidInput(
                $"input '{input.Name}': {bytes} bytes do not fit shape [{string.Join(",", input.Shape)}] of {input.DataType.ToWireName()}");
        }

        return shape;
    }

    private static List<Tensor> ReadInputs(ref Utf8JsonReader reader, int jsonLength, ReadOnlyMemory<byte> binary, ref int binaryOffset)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw ModelDockException.InvalidInput("'inputs' must be an array");
        }

        var inputs = new List<Tensor>(2);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            inputs.Add(ReadInput(ref reader, inputs.Count, jsonLength, binary, ref binaryOffset));
        }

        return inputs;
    }

    private static Tensor ReadInput(ref Utf8JsonReader reader, int index, int jsonLength, ReadOnlyMemory<byte> binary, ref int binaryOffset)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw ModelDockException.InvalidInput($"inputs[{index}] must be an object");
        }

        string? name = null;
        string? datatype = null;
        long[]? shape = null;
        Dictionary<string, object>? parameters = null;
        var hasData = false;
        Tensor? parsed = null;
        Utf8JsonReader data = default;
        while (NextProperty(ref reader))
        {
            if (JsonText.Is(ref reader, "name"u8))
            {
                reader.Read();
                name = JsonText.Read(ref reader, $"inputs[{index}].name");
            }
            else if (JsonText.Is(ref reader, "datatype"u8))
            {
                reader.Read();
                datatype = JsonText.Read(ref reader, $"inputs[{index}].datatype");
            }
            else if (JsonText.Is(ref reader, "shape"u8))
            {
                reader.Read();
                shape = ReadShape(ref reader, index);
            }
            else if (JsonText.Is(ref reader, "parameters"u8))
            {
                reader.Read();
                parameters = ReadParameters(ref reader, $"inputs[{index}].parameters");
            }
            else if (JsonText.Is(ref reader, "data"u8))
            {
                reader.Read();
                hasData = true;
                if (!string.IsNullOrEmpty(name) && datatype is not null && shape is not null)
                {
                    // The usual order: everything needed to size the buffer is known, so parse in one pass.
                    parsed = JsonTensorData.Read(ref reader, name, ParseDataType(name, datatype), shape, JsonElementCount(name, shape, jsonLength));
                }
                else
                {
                    // Datatype and shape may come after data; keep the reader's position and parse once they are known.
                    data = reader;
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (string.IsNullOrEmpty(name))
        {
            throw ModelDockException.InvalidInput($"inputs[{index}] has no 'name'");
        }

        if (datatype is null)
        {
            throw ModelDockException.InvalidInput($"input '{name}' has no 'datatype'");
        }

        var type = ParseDataType(name, datatype);
        if (shape is null)
        {
            throw ModelDockException.InvalidInput($"input '{name}' has no 'shape'");
        }

        var binarySize = LongParameter(parameters, BinaryDataSize, $"input '{name}' parameters");
        if (binarySize is { } size)
        {
            if (hasData)
            {
                throw ModelDockException.InvalidInput($"input '{name}' has both 'data' and binary_data_size");
            }

            if (size < 0 || size > binary.Length - binaryOffset)
            {
                throw ModelDockException.InvalidInput(
                    $"input '{name}': binary_data_size {size} exceeds the {binary.Length - binaryOffset} binary bytes left in the body");
            }

            var blob = binary.Slice(binaryOffset, (int)size);
            binaryOffset += (int)size;
            return FromBinary(name, type, shape, ElementCount(name, shape), blob);
        }

        if (!hasData)
        {
            throw ModelDockException.InvalidInput($"input '{name}' has neither 'data' nor binary_data_size");
        }

        return parsed ?? JsonTensorData.Read(ref data, name, type, shape, JsonElementCount(name, shape, jsonLength));
    }

    private static DataType ParseDataType(string input, string datatype) =>
        DataTypes.TryParse(datatype, out var type)
            ? type
            : throw ModelDockException.InvalidInput($"input '{input}' has unknown datatype '{datatype}'; expected one of {DataTypes.AllWireNames}");

    private static Tensor FromBinary(string name, DataType type, long[] shape, long expected, ReadOnlyMemory<byte> blob)
    {
        if (type == DataType.Bytes)
        {
            return Tensor.FromBytes(name, shape, BinaryStrings.Read(name, blob.Span, expected));
        }

        var needed = expected * type.ElementSize();
        if (blob.Length != needed)
        {
            throw ModelDockException.InvalidInput(
                $"input '{name}': binary_data_size {blob.Length} does not match shape [{string.Join(",", shape)}] of {type.ToWireName()} ({needed} bytes)");
        }

        return Tensor.FromRaw(name, type, shape, blob);
    }

    private static long ElementCount(string name, long[] shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw ModelDockException.InvalidInput($"input '{name}': shape [{string.Join(",", shape)}] has a negative dimension");
            }

            count = d == 0 ? 0 : count > int.MaxValue / d ? int.MaxValue + 1L : count * d;
        }

        if (count > int.MaxValue)
        {
            throw ModelDockException.InvalidInput($"input '{name}': shape [{string.Join(",", shape)}] has too many elements");
        }

        return count;
    }

    /// <summary>
    /// JSON data takes at least two bytes per element (a value and a separator), so a shape that asks
    /// for more elements than the request can hold is refused before anything is allocated for it.
    /// </summary>
    private static long JsonElementCount(string name, long[] shape, int jsonLength)
    {
        var count = ElementCount(name, shape);
        if (count > (jsonLength + 1L) / 2)
        {
            throw ModelDockException.InvalidInput(
                $"input '{name}': shape [{string.Join(",", shape)}] needs {count} elements, more than a {jsonLength}-byte JSON request can hold");
        }

        return count;
    }

    private static long[] ReadShape(ref Utf8JsonReader reader, int index)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw ModelDockException.InvalidInput($"inputs[{index}].shape must be an array of integers");
        }

        Span<long> dims = stackalloc long[16];
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var d) || count == dims.Length)
            {
                throw ModelDockException.InvalidInput($"inputs[{index}].shape must be an array of at most 16 integers");
            }

            dims[count++] = d;
        }

        return dims[..count].ToArray();
    }

    private static List<RequestedOutput> ReadOutputs(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw ModelDockException.InvalidInput("'outputs' must be an array");
        }

        var outputs = new List<RequestedOutput>(2);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var index = outputs.Count;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw ModelDockException.InvalidInput($"outputs[{index}] must be an object");
            }

            string? name = null;
            Dictionary<string, object>? parameters = null;
            while (NextProperty(ref reader))
            {
                if (JsonText.Is(ref reader, "name"u8))
                {
                    reader.Read();
                    name = JsonText.Read(ref reader, $"outputs[{index}].name");
                }
                else if (JsonText.Is(ref reader, "parameters"u8))
                {
                    reader.Read();
                    parameters = ReadParameters(ref reader, $"outputs[{index}].parameters");
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (string.IsNullOrEmpty(name))
            {
                throw ModelDockException.InvalidInput($"outputs[{index}] has no 'name'");
            }

            var classes = LongParameter(parameters, Classification.Parameter, $"output '{name}' parameters") is { } k ? Classification.CountOf(k, name) : 0;
            outputs.Add(new RequestedOutput(name, BoolParameter(parameters, BinaryData, $"output '{name}' parameters"), classes));
        }

        return outputs;
    }

    private static Dictionary<string, object> ReadParameters(ref Utf8JsonReader reader, string path)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw ModelDockException.InvalidInput($"{path} must be an object");
        }

        var parameters = new Dictionary<string, object>(StringComparer.Ordinal);
        while (NextProperty(ref reader))
        {
            var key = JsonText.Read(ref reader, $"a key of {path}");
            reader.Read();
            parameters[key] = reader.TokenType switch
            {
                JsonTokenType.String => JsonText.Read(ref reader, $"{path}.{key}"),
                JsonTokenType.True => true,
                JsonTokenType.False => false,
                JsonTokenType.Number when reader.TryGetInt64(out var l) => l,
                JsonTokenType.Number => reader.GetDouble(),
                _ => throw ModelDockException.InvalidInput($"{path}.{key} must be a string, number or boolean"),
            };
        }

        return parameters;
    }

    private static TimeSpan? TimeoutOf(Dictionary<string, object>? parameters)
    {
        var microseconds = LongParameter(parameters, TimeoutParameter, "parameters");
        return microseconds switch
        {
            null => null,
            < 0 => throw ModelDockException.InvalidInput("parameters.timeout must be a non-negative number of microseconds"),
            { } us => SchedulerErrors.TimeoutFromMicroseconds((ulong)us),
        };
    }

    private static long? LongParameter(Dictionary<string, object>? parameters, string key, string path)
    {
        if (parameters is null || !parameters.TryGetValue(key, out var value))
        {
            return null;
        }

        return value as long? ?? throw ModelDockException.InvalidInput($"{path}.{key} must be an integer");
    }

    private static bool? BoolParameter(Dictionary<string, object>? parameters, string key, string path)
    {
        if (parameters is null || !parameters.TryGetValue(key, out var value))
        {
            return null;
        }

        return value as bool? ?? throw ModelDockException.InvalidInput($"{path}.{key} must be a boolean");
    }

    /// <summary>Advances to the next property name of the current object; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.PropertyName;
    }
}
