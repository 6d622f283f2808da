namespace ModelDock.Tensors;

/// <summary>
/// Joins and splits tensors along their first (batch) dimension: raw tensors by byte copy, BYTES
/// tensors by list concatenation. Shapes must agree on every dimension after the first.
/// </summary>
internal static class TensorBatching
{
    /// <summary>Bytes a concatenation of fixed-size <paramref name="parts"/> occupies.</summary>
    public static int ConcatenatedByteCount(IReadOnlyList<Tensor> parts)
    {
        long total = 0;
        foreach (var part in parts)
        {
            total += part.Data.Length;
        }

        return checked((int)total);
    }

    /// <summary>Concatenates into a new array (or list for BYTES).</summary>
    public static Tensor Concat(string name, IReadOnlyList<Tensor> parts)
    {
        var first = CheckParts(parts);
        return first.DataType == DataType.Bytes
            ? ConcatBytes(name, parts)
            : ConcatRaw(name, parts, new byte[ConcatenatedByteCount(parts)]);
    }

    /// <summary>
    /// Concatenates fixed-size tensors into <paramref name="buffer"/> (e.g. rented from a pool, at least
    /// <see cref="ConcatenatedByteCount"/> long); the result is only valid while the buffer is.
    /// </summary>
    public static Tensor Concat(string name, IReadOnlyList<Tensor> parts, byte[] buffer)
    {
        var first = CheckParts(parts);
        if (first.DataType == DataType.Bytes)
        {
            throw new ArgumentException("BYTES tensors are concatenated without a buffer.", nameof(parts));
        }

        return ConcatRaw(name, parts, buffer);
    }

    /// <summary>Copies <paramref name="count"/> rows starting at row <paramref name="start"/> into a tensor of its own.</summary>
    public static Tensor SliceRows(Tensor tensor, long start, long count, string? name = null)
    {
        if (tensor.Shape.Length == 0)
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' has no batch dimension to slice.", nameof(tensor));
        }

        if (start < 0 || count < 0 || start + count > tensor.Shape[0])
        {
            throw new ArgumentOutOfRangeException(
                nameof(start), $"Rows {start}..{start + count} are outside tensor '{tensor.Name}' with {tensor.Shape[0]} rows.");
        }

        var shape = (long[])tensor.Shape.Clone();
        shape[0] = count;
        var rowElements = Tensor.ElementCountOf(tensor.Shape.AsSpan(1));
        var outName = name ?? tensor.Name;
        if (tensor.DataType == DataType.Bytes)
        {
            var elements = tensor.BytesElements!;
            var slice = new byte[checked((int)(count * rowElements))][];
            for (var i = 0; i < slice.Length; i++)
            {
                slice[i] = elements[checked((int)(start * rowElements)) + i];
            }

            return Tensor.FromBytes(outName, shape, slice);
        }

        var rowBytes = rowElements * tensor.DataType.ElementSize();
        var data = tensor.Data.Slice(checked((int)(start * rowBytes)), checked((int)(count * rowBytes))).ToArray();
        return Tensor.FromRaw(outName, tensor.DataType, shape, data);
    }

    private static Tensor CheckParts(IReadOnlyList<Tensor> parts)
    {
        if (parts.Count == 0)
        {
            throw new ArgumentException("At least one tensor is needed to concatenate.", nameof(parts));
        }

        var first = parts[0];
        if (first.Shape.Length == 0)
        {
            throw new ArgumentException($"Tensor '{first.Name}' has no batch dimension to concatenate along.", nameof(parts));
        }

        for (var i = 1; i < parts.Count; i++)
        {
            var part = parts[i];
            if (part.DataType != first.DataType || !part.Shape.AsSpan(1).SequenceEqual(first.Shape.AsSpan(1)) || part.Shape.Length != first.Shape.Length)
            {
                throw new ArgumentException(
                    $"Tensor {part.DataType.ToWireName()}[{string.Join(",", part.Shape)}] cannot be concatenated with "
                    + $"{first.DataType.ToWireName()}[{string.Join(",", first.Shape)}]: only the first dimension may differ.",
                    nameof(parts));
            }
        }

        return first;
    }

    private static Tensor ConcatRaw(string name, IReadOnlyList<Tensor> parts, byte[] buffer)
    {
        var offset = 0;
        long rows = 0;
        foreach (var part in parts)
        {
            part.Data.Span.CopyTo(buffer.AsSpan(offset));
            offset += part.Data.Length;
            rows += part.Shape[0];
        }

        return Tensor.FromRaw(name, parts[0].DataType, BatchShape(parts[0].Shape, rows), buffer.AsMemory(0, offset));
    }

    private static Tensor ConcatBytes(string name, IReadOnlyList<Tensor> parts)
    {
        var count = 0;
        long rows = 0;
        foreach (var part in parts)
        {
            count += part.BytesElements!.Count;
            rows += part.Shape[0];
        }

        var elements = new List<byte[]>(count);
        foreach (var part in parts)
        {
            elements.AddRange(part.BytesElements!);
        }

        return Tensor.FromBytes(name, BatchShape(parts[0].Shape, rows), elements);
    }

    private static long[] BatchShape(long[] rowShape, long rows)
    {
        var shape = (long[])rowShape.Clone();
        shape[0] = rows;
        return shape;
    }
}
