using System.Runtime.InteropServices;
using Google.Protobuf;
using Google.Protobuf.Collections;
using ModelDock.Batching;
using ModelDock.Errors;
using ModelDock.Inference;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Shared;
using ModelDock.Tensors;

namespace ModelDock.Server.Grpc;

/// <summary>
/// Translates ModelInfer messages to and from the transport-independent request and response.
/// Raw contents are referenced without copying; typed contents are converted per datatype.
/// </summary>
internal static class GrpcInferCodec
{
    /// <param name="awaitedAlone">The caller awaits this request before it reads another: see <see cref="InferenceRequest.RunInlineWhenIdle"/>.</param>
    public static InferenceRequest ToRequest(ModelInferRequest message, TimeSpan? deadline, bool awaitedAlone)
    {
        var raw = message.RawInputContents;
        if (raw.Count > 0 && raw.Count != message.Inputs.Count)
        {
            throw ModelDockException.InvalidInput(
                $"raw_input_contents has {raw.Count} entries but there are {message.Inputs.Count} inputs; send one per input, in order");
        }

        var inputs = new Tensor[message.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            var input = message.Inputs[i];
            if (string.IsNullOrEmpty(input.Name))
            {
                throw ModelDockException.InvalidInput($"inputs[{i}] has no name");
            }

            if (!DataTypes.TryParse(input.Datatype, out var type))
            {
                throw ModelDockException.InvalidInput(
                    $"input '{input.Name}' has unknown datatype '{input.Datatype}'; expected one of {DataTypes.AllWireNames}");
            }

            var shape = ShapeOf(input.Name, input.Shape);
            var count = Tensor.ElementCountOf(shape);
            if (raw.Count > 0)
            {
                if (input.Contents is not null && HasTypedContents(input.Contents))
                {
                    throw ModelDockException.InvalidInput(
                        $"input '{input.Name}' sets contents although the request uses raw_input_contents; use one or the other");
                }

                inputs[i] = FromRaw(input.Name, type, shape, count, raw[i]);
            }
            else
            {
                inputs[i] = FromContents(input.Name, type, shape, count, input.Contents ?? new InferTensorContents());
            }
        }

        var parameters = ToParameters(message.Parameters);
        return new InferenceRequest
        {
            Protocol = InferenceProtocol.Grpc,
            ModelName = message.ModelName,
            ModelVersion = string.IsNullOrEmpty(message.ModelVersion) ? null : message.ModelVersion,
            Id = string.IsNullOrEmpty(message.Id) ? null : message.Id,
            Inputs = inputs,
            Outputs = message.Outputs.Count == 0 ? [] : message.Outputs.Select(ToRequestedOutput).ToArray(),
            Parameters = parameters,
            Timeout = Earliest(TimeoutParameter(parameters), deadline),
            RunInlineWhenIdle = awaitedAlone,
        };
    }

    private static RequestedOutput ToRequestedOutput(ModelInferRequest.Types.InferRequestedOutputTensor output)
    {
        if (!output.Parameters.TryGetValue(Classification.Parameter, out var classes))
        {
            return new RequestedOutput(output.Name);
        }

        return classes.ParameterChoiceCase switch
        {
            InferParameter.ParameterChoiceOneofCase.Int64Param => new RequestedOutput(output.Name, ClassCount: Classification.CountOf(classes.Int64Param, output.Name)),
            InferParameter.ParameterChoiceOneofCase.Uint64Param => new RequestedOutput(output.Name, ClassCount: Classification.CountOf((long)Math.Min(classes.Uint64Param, long.MaxValue), output.Name)),
            _ => throw ModelDockException.InvalidInput($"output '{output.Name}': {Classification.Parameter} must be an integer parameter"),
        };
    }

    /// <summary>Raw contents when the request used them or an output has no typed field (FP16, BF16); typed otherwise.</summary>
    public static ModelInferResponse ToResponse(InferenceResponse response, bool raw)
    {
        var message = new ModelInferResponse
        {
            ModelName = response.ModelName,
            ModelVersion = response.ModelVersion,
            Id = response.Id ?? string.Empty,
        };
        if (response.Parameters.Count > 0)
        {
            foreach (var (key, value) in response.Parameters)
            {
                message.Parameters[key] = ToParameter(value);
            }
        }

        var outputs = response.Outputs;
        for (var i = 0; i < outputs.Count && !raw; i++)
        {
            raw = outputs[i].DataType is DataType.Fp16 or DataType.Bf16;
        }

        for (var i = 0; i < outputs.Count; i++)
        {
            var tensor = outputs[i];
            var output = new ModelInferResponse.Types.InferOutputTensor { Name = tensor.Name, Datatype = tensor.DataType.ToWireName() };
            output.Shape.AddRange(tensor.Shape);
            if (raw)
            {
                message.RawOutputContents.Add(tensor.BytesElements is { } elements
                    ? UnsafeByteOperations.UnsafeWrap(BinaryStrings.Write(elements))
                    : UnsafeByteOperations.UnsafeWrap(tensor.Data));
            }
            else
            {
                output.Contents = ToContents(tensor);
            }

            message.Outputs.Add(output);
        }

        return message;
    }

    private static long[] ShapeOf(string name, RepeatedField<long> dims)
    {
        var shape = new long[dims.Count];
        long count = 1;
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = dims[i];
            if (dims[i] < 0)
            {
                throw ModelDockException.InvalidInput($"input '{name}': shape [{string.Join(",", dims)}] has a negative dimension");
            }

            count = dims[i] == 0 ? 0 : count > int.MaxValue / dims[i] ? int.MaxValue + 1L : count * dims[i];
        }

        if (count > int.MaxValue)
        {
            throw ModelDockException.InvalidInput($"input '{name}': shape [{string.Join(",", dims)}] has too many elements");
        }

        return shape;
    }

    private static Tensor FromRaw(string name, DataType type, long[] shape, long count, ByteString bytes)
    {
        if (type == DataType.Bytes)
        {
            return Tensor.FromBytes(name, shape, BinaryStrings.Read(name, bytes.Span, count));
        }

        var needed = count * type.ElementSize();
        if (bytes.Length != needed)
        {
            throw ModelDockException.InvalidInput(
                $"input '{name}': raw contents have {bytes.Length} bytes but shape [{string.Join(",", shape)}] of {type.ToWireName()} needs {needed}");
        }

        return Tensor.FromRaw(name, type, shape, bytes.Memory);
    }

    private static bool HasTypedContents(InferTensorContents c) =>
        c.BoolContents.Count + c.IntContents.Count + c.Int64Contents.Count + c.UintContents.Count
        + c.Uint64Contents.Count + c.Fp32Contents.Count + c.Fp64Contents.Count + c.BytesContents.Count > 0;

    private static Tensor FromContents(string name, DataType type, long[] shape, long count, InferTensorContents c)
    {
        switch (type)
        {
            case DataType.Bool:
                return Fixed(name, type, shape, count, c.BoolContents, "bool_contents", static v => v ? (byte)1 : (byte)0);
            case DataType.Int8:
                return Fixed(name, type, shape, count, c.IntContents, "int_contents", v => checked((sbyte)InRange(name, v, sbyte.MinValue, sbyte.MaxValue)));
            case DataType.Int16:
                return Fixed(name, type, shape, count, c.IntContents, "int_contents", v => (short)InRange(name, v, short.MinValue, short.MaxValue));
            case DataType.Int32:
                return Fixed(name, type, shape, count, c.IntContents, "int_contents", static v => v);
            case DataType.Int64:
                return Fixed(name, type, shape, count, c.Int64Contents, "int64_contents", static v => v);
            case DataType.UInt8:
                return Fixed(name, type, shape, count, c.UintContents, "uint_contents", v => (byte)InRange(name, v, 0, byte.MaxValue));
            case DataType.UInt16:
                return Fixed(name, type, shape, count, c.UintContents, "uint_contents", v => (ushort)InRange(name, v, 0, ushort.MaxValue));
            case DataType.UInt32:
                return Fixed(name, type, shape, count, c.UintContents, "uint_contents", static v => v);
            case DataType.UInt64:
                return Fixed(name, type, shape, count, c.Uint64Contents, "uint64_contents", static v => v);
            case DataType.Fp32:
                return Fixed(name, type, shape, count, c.Fp32Contents, "fp32_contents", static v => v);
            case DataType.Fp64:
                return Fixed(name, type, shape, count, c.Fp64Contents, "fp64_contents", static v => v);
            case DataType.Bytes:
                CheckCount(name, shape, count, c.BytesContents.Count, "bytes_contents");
                return Tensor.FromBytes(name, shape, c.BytesContents.Select(b => b.ToByteArray()).ToArray());
            default:
                throw ModelDockException.InvalidInput(
                    $"input '{name}' is {type.ToWireName()}, which has no typed contents field; send it in raw_input_contents");
        }
    }

    private static Tensor Fixed<TWire, TElement>(
        string name, DataType type, long[] shape, long count, RepeatedField<TWire> values, string field, Func<TWire, TElement> convert)
        where TElement : unmanaged
    {
        CheckCount(name, shape, count, values.Count, field);
        var bytes = new byte[count * type.ElementSize()];
        var elements = MemoryMarshal.Cast<byte, TElement>(bytes.AsSpan());
        for (var i = 0; i < elements.Length; i++)
        {
            elements[i] = convert(values[i]);
        }

        return Tensor.FromRaw(name, type, shape, bytes);
    }

    private static long InRange(string name, long value, long min, long max) =>
        value >= min && value <= max
            ? value
            : throw ModelDockException.InvalidInput($"input '{name}': value {value} is outside the datatype's range {min}..{max}");

    private static void CheckCount(string name, long[] shape, long expected, int actual, string field)
    {
        if (actual != expected)
        {
            throw ModelDockException.InvalidInput(
                $"input '{name}': {field} has {actual} values but shape [{string.Join(",", shape)}] needs {expected}");
        }
    }

    private static InferTensorContents ToContents(Tensor tensor)
    {
        var c = new InferTensorContents();
        var data = tensor.Data.Span;
        switch (tensor.DataType)
        {
            case DataType.Bool:
                foreach (var b in data)
                {
                    c.BoolContents.Add(b != 0);
                }

                break;
            case DataType.Int8:
                foreach (var b in data)
                {
                    c.IntContents.Add((sbyte)b);
                }

                break;
            case DataType.Int16:
                foreach (var v in tensor.AsSpan<short>())
                {
                    c.IntContents.Add(v);
                }

                break;
            case DataType.Int32:
                c.IntContents.AddRange(tensor.AsSpan<int>().ToArray());
                break;
            case DataType.Int64:
                c.Int64Contents.AddRange(tensor.AsSpan<long>().ToArray());
                break;
            case DataType.UInt8:
                foreach (var b in data)
                {
                    c.UintContents.Add(b);
                }

                break;
            case DataType.UInt16:
                foreach (var v in tensor.AsSpan<ushort>())
                {
                    c.UintContents.Add(v);
                }

                break;
            case DataType.UInt32:
                c.UintContents.AddRange(tensor.AsSpan<uint>().ToArray());
                break;
            case DataType.UInt64:
                c.Uint64Contents.AddRange(tensor.AsSpan<ulong>().ToArray());
                break;
            case DataType.Fp32:
                c.Fp32Contents.AddRange(tensor.AsSpan<float>().ToArray());
                break;
            case DataType.Fp64:
                c.Fp64Contents.AddRange(tensor.AsSpan<double>().ToArray());
                break;
            case DataType.Bytes:
                foreach (var e in tensor.BytesElements!)
                {
                    c.BytesContents.Add(UnsafeByteOperations.UnsafeWrap(e));
                }

                break;
        }

        return c;
    }

    private static IReadOnlyDictionary<string, object> ToParameters(MapField<string, InferParameter> map)
    {
        if (map.Count == 0)
        {
            return InferenceRequest.EmptyParameters;
        }

        var parameters = new Dictionary<string, object>(map.Count, StringComparer.Ordinal);
        foreach (var (key, p) in map)
        {
            parameters[key] = p.ParameterChoiceCase switch
            {
                InferParameter.ParameterChoiceOneofCase.BoolParam => p.BoolParam,
                InferParameter.ParameterChoiceOneofCase.Int64Param => p.Int64Param,
                InferParameter.ParameterChoiceOneofCase.StringParam => p.StringParam,
                InferParameter.ParameterChoiceOneofCase.DoubleParam => p.DoubleParam,
                InferParameter.ParameterChoiceOneofCase.Uint64Param => p.Uint64Param,
                _ => throw ModelDockException.InvalidInput($"parameter '{key}' has no value"),
            };
        }

        return parameters;
    }

    private static InferParameter ToParameter(object value) => value switch
    {
        bool b => new InferParameter { BoolParam = b },
        long l => new InferParameter { Int64Param = l },
        int i => new InferParameter { Int64Param = i },
        ulong u => new InferParameter { Uint64Param = u },
        double d => new InferParameter { DoubleParam = d },
        _ => new InferParameter { StringParam = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty },
    };

    /// <summary>Triton's <c>timeout</c> parameter: microseconds, 0 = none.</summary>
    private static TimeSpan? TimeoutParameter(IReadOnlyDictionary<string, object> parameters)
    {
        if (!parameters.TryGetValue("timeout", out var value))
        {
            return null;
        }

        return value switch
        {
            long us and >= 0 => SchedulerErrors.TimeoutFromMicroseconds((ulong)us),
            ulong us => SchedulerErrors.TimeoutFromMicroseconds(us),
            _ => throw ModelDockException.InvalidInput("parameter 'timeout' must be a non-negative integer number of microseconds"),
        };
    }

    private static TimeSpan? Earliest(TimeSpan? a, TimeSpan? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;
}
