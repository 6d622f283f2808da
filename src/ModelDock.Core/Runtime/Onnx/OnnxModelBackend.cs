using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using ModelDock.Errors;
using ModelDock.Tensors;
using Tensor = ModelDock.Tensors.Tensor;

namespace ModelDock.Runtime.Onnx;

/// <summary>
/// One ONNX model in one <see cref="InferenceSession"/>. Inputs are handed to ONNX Runtime over the
/// request's own bytes (pinned for the duration of the run), so only the outputs are copied.
/// </summary>
internal sealed class OnnxModelBackend : IModelBackend
{
    public const string PlatformName = "onnx_onnxv1";

    // ONNX Runtime refuses a null data pointer even for an empty tensor; this stands in for every empty input.
    private static readonly byte[] EmptyBuffer = GC.AllocateArray<byte>(8, pinned: true);

    private readonly InferenceSession _session;
    // A run that fails on a client's data (an overlong UTF-8 string, a shape the graph refuses) comes back as an
    // exception that ModelDock answers and logs itself; ONNX Runtime would also print it to stderr at error level,
    // once per request, so a client could flood the log. Load-time messages keep the session's own level.
    private readonly RunOptions _runOptions = new() { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
    private readonly Dictionary<string, TensorElementType> _inputTypes;

    private OnnxModelBackend(InferenceSession session, ModelSignature signature, Dictionary<string, TensorElementType> inputTypes)
    {
        _session = session;
        Signature = signature;
        _inputTypes = inputTypes;
    }

    public string Platform => PlatformName;

    public ModelSignature Signature { get; }

    /// <summary>Loads <paramref name="modelPath"/>; a file ONNX Runtime cannot load or a signature it cannot serve is an <see cref="InvalidDataException"/>.</summary>
    public static OnnxModelBackend Load(string modelPath, OnnxSessionSettings settings)
    {
        using var options = CreateSessionOptions(settings);
        InferenceSession session;
        try
        {
            session = new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"ONNX Runtime cannot load '{modelPath}': {ex.Message}", ex);
        }

        try
        {
            var inputTypes = new Dictionary<string, TensorElementType>(StringComparer.Ordinal);
            var inputs = ReadSpecs(session.InputNames, session.InputMetadata, "input", inputTypes);
            var outputs = ReadSpecs(session.OutputNames, session.OutputMetadata, "output", null);
            return new OnnxModelBackend(session, new ModelSignature(inputs, outputs), inputTypes);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>ONNX Runtime keeps its error code internal; its message starts with it.</summary>
    private static bool IsInputRejected(OnnxRuntimeException ex) =>
        ex.Message.StartsWith("[ErrorCode:Fail]", StringComparison.Ordinal) ||
        ex.Message.StartsWith("[ErrorCode:InvalidArgument]", StringComparison.Ordinal);

    public IReadOnlyList<Tensor> Run(IReadOnlyList<Tensor> inputs, IReadOnlyList<string> outputNames)
    {
        var names = new string[inputs.Count];
        var values = new OrtValue[inputs.Count];
        var pins = new MemoryHandle[inputs.Count];
        var created = 0;
        try
        {
            for (; created < inputs.Count; created++)
            {
                var input = inputs[created];
                names[created] = input.Name;
                values[created] = CreateInput(input, _inputTypes[input.Name], out pins[created]);
            }

            using var results = _session.Run(_runOptions, names, values, outputNames);
            var outputs = new Tensor[outputNames.Count];
            var i = 0;
            foreach (var result in results)
            {
                outputs[i] = CopyOutput(outputNames[i], result);
                i++;
            }

            return outputs;
        }
        catch (OnnxRuntimeException ex) when (IsInputRejected(ex))
        {
            // The model loaded and ran its warm-up, and the inputs match its signature; what still
            // fails is data the graph cannot take (dimensions its nodes cannot combine, an index out of
            // range): the request's mistake, not the server's.
            throw ModelDockException.InvalidInput($"the model cannot run on this input: {ex.Message}");
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelDockException(ErrorKind.Internal, $"ONNX Runtime failed to run the model: {ex.Message}", ex);
        }
        finally
        {
            for (var i = 0; i < created; i++)
            {
                values[i].Dispose();
                pins[i].Dispose();
            }
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }

    private static unsafe OrtValue CreateInput(Tensor tensor, TensorElementType elementType, out MemoryHandle pin)
    {
        if (tensor.DataType == DataType.Bytes)
        {
            pin = default;
            var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, tensor.Shape);
            try
            {
                var elements = tensor.BytesElements!;
                for (var i = 0; i < elements.Count; i++)
                {
                    value.StringTensorSetElementAt(elements[i].AsSpan(), i);
                }

                return value;
            }
            catch
            {
                value.Dispose();
                throw;
            }
        }

        var data = tensor.Data.IsEmpty ? EmptyBuffer.AsMemory(0, 0) : tensor.Data;
        pin = data.Pin();
        try
        {
            return OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance, elementType, tensor.Shape, (IntPtr)pin.Pointer, data.Length);
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    private static Tensor CopyOutput(string name, OrtValue value)
    {
        if (!value.IsTensor)
        {
            throw new ModelDockException(ErrorKind.Internal, $"output '{name}' is not a tensor; only tensor outputs can be served");
        }

        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape;
        if (info.ElementDataType == TensorElementType.String)
        {
            var count = checked((int)info.ElementCount);
            var elements = new byte[count][];
            for (var i = 0; i < count; i++)
            {
                elements[i] = value.GetStringElementAsSpan(i).ToArray();
            }

            return Tensor.FromBytes(name, shape, elements);
        }

        if (!OnnxElementTypes.TryToDataType(info.ElementDataType, out var dataType))
        {
            throw new ModelDockException(ErrorKind.Internal, $"output '{name}' has element type {info.ElementDataType}, which has no protocol datatype");
        }

        return Tensor.FromRaw(name, dataType, shape, value.GetTensorMutableRawData().ToArray());
    }

    private static SessionOptions CreateSessionOptions(OnnxSessionSettings settings)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = settings.IntraOpThreads,
            InterOpNumThreads = settings.InterOpThreads,
            ExecutionMode = settings.ParallelExecution ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = settings.GraphOptimization switch
            {
                OnnxGraphOptimization.Disabled => GraphOptimizationLevel.ORT_DISABLE_ALL,
                OnnxGraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                OnnxGraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
        };

        // ONNX Runtime's intra-op threads otherwise spin after every run waiting for the next one; in a
        // server they would burn the cores that parse requests and batch them (measured in docs/benchmarks.md).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    private static List<TensorSpec> ReadSpecs(
        IReadOnlyList<string> names,
        IReadOnlyDictionary<string, NodeMetadata> metadata,
        string kind,
        Dictionary<string, TensorElementType>? elementTypes)
    {
        var specs = new List<TensorSpec>(names.Count);
        foreach (var name in names)
        {
            var node = metadata[name];
            if (!node.IsTensor)
            {
                throw new InvalidDataException($"{kind} '{name}' is a {node.OnnxValueType}; only tensor {kind}s can be served");
            }

            if (!OnnxElementTypes.TryToDataType(node.ElementDataType, out var dataType))
            {
                throw new InvalidDataException($"{kind} '{name}' has element type {node.ElementDataType}, which has no protocol datatype");
            }

            var shape = node.Dimensions.Select(d => d < 0 ? -1L : d).ToArray();
            specs.Add(new TensorSpec(name, dataType, shape));
            elementTypes?.Add(name, node.ElementDataType);
        }

        return specs;
    }
}
