namespace ModelDock.Tensors;

/// <summary>A declared input or output of a model: name, datatype and shape, where -1 is a variable dimension.</summary>
public sealed record TensorSpec(string Name, DataType DataType, long[] Shape)
{
    public override string ToString() => $"{Name} {DataType.ToWireName()}[{string.Join(",", Shape)}]";
}
