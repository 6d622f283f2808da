using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelDock.Onnx.Proto;
using ModelDock.Tensors;

namespace ModelDock.Onnx;

/// <summary>
/// Writes ONNX models from code, so every model the project serves in tests and demos is produced
/// here rather than downloaded. A dimension of -1 becomes a symbolic dimension: <c>batch</c> for the
/// first, <c>dim1</c>, <c>dim2</c>... for the others, so inputs and outputs of the same rank share names.
/// </summary>
internal sealed class OnnxModelBuilder
{
    public const long OpsetVersion = 17;

    // IR version 8 is the one that pairs with opset 17 (ONNX 1.12).
    public const long IrVersion = 8;

    private readonly GraphProto _graph;
    private readonly HashSet<string> _valueNames = new(StringComparer.Ordinal);
    private int _nodeCount;

    public OnnxModelBuilder(string graphName = "modeldock")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        _graph = new GraphProto { Name = graphName };
    }

    public OnnxModelBuilder AddInput(string name, DataType dataType, params long[] dims)
    {
        Declare(name);
        _graph.Input.Add(ValueInfo(name, dataType, dims));
        return this;
    }

    public OnnxModelBuilder AddOutput(string name, DataType dataType, params long[] dims)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _graph.Output.Add(ValueInfo(name, dataType, dims));
        return this;
    }

    public OnnxModelBuilder AddInitializer(string name, float[] values, long[] dims)
    {
        var tensor = Initializer(name, TensorProto.Types.DataType.Float, values.Length, dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        _graph.Initializer.Add(tensor);
        return this;
    }

    public OnnxModelBuilder AddInitializer(string name, long[] values, long[] dims)
    {
        var tensor = Initializer(name, TensorProto.Types.DataType.Int64, values.Length, dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        _graph.Initializer.Add(tensor);
        return this;
    }

    public OnnxModelBuilder AddNode(string opType, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_nodeCount++}" };
        node.Input.AddRange(inputs);
        foreach (var output in outputs)
        {
            Declare(output);
            node.Output.Add(output);
        }

        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return this;
    }

    public byte[] Build()
    {
        if (_graph.Input.Count == 0 && _graph.Initializer.Count == 0)
        {
            throw new InvalidOperationException("The graph has no inputs.");
        }

        if (_graph.Output.Count == 0)
        {
            throw new InvalidOperationException("The graph has no outputs.");
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "ModelDock",
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        return model.ToByteArray();
    }

    public void Save(string path) => File.WriteAllBytes(path, Build());

    private void Declare(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_valueNames.Add(name))
        {
            throw new ArgumentException($"The value '{name}' is already defined in the graph.", nameof(name));
        }
    }

    private TensorProto Initializer(string name, TensorProto.Types.DataType elementType, int valueCount, long[] dims)
    {
        Declare(name);
        if (Tensor.ElementCountOf(dims) != valueCount)
        {
            throw new ArgumentException(
                $"Initializer '{name}' has {valueCount} values but its shape [{string.Join(",", dims)}] holds {Tensor.ElementCountOf(dims)}.",
                nameof(dims));
        }

        var tensor = new TensorProto { Name = name, DataType = (int)elementType };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static ValueInfoProto ValueInfo(string name, DataType dataType, long[] dims)
    {
        var shape = new TensorShapeProto();
        for (var i = 0; i < dims.Length; i++)
        {
            shape.Dim.Add(dims[i] switch
            {
                -1 => new TensorShapeProto.Types.Dimension { DimParam = i == 0 ? "batch" : $"dim{i}" },
                >= 0 => new TensorShapeProto.Types.Dimension { DimValue = dims[i] },
                _ => throw new ArgumentException($"Dimension {i} of '{name}' is {dims[i]}; use -1 for a variable dimension.", nameof(dims)),
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)dataType.ToOnnx(), Shape = shape },
            },
        };
    }
}
