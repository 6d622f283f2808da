using System.Buffers.Binary;
using ModelDock.Errors;

namespace ModelDock.Server.Shared;

/// <summary>
/// BYTES tensors in binary form (REST binary extension, gRPC raw contents): each element is a
/// 4-byte little-endian length followed by its bytes.
/// </summary>
internal static class BinaryStrings
{
    /// <param name="expected">Elements the shape needs, or <see cref="long.MaxValue"/> when the data decides.</param>
    public static List<byte[]> Read(string name, ReadOnlySpan<byte> blob, long expected)
    {
        var elements = new List<byte[]>();
        while (!blob.IsEmpty)
        {
            if (blob.Length < 4)
            {
                throw ModelDockException.InvalidInput($"input '{name}': BYTES element {elements.Count} has a truncated length prefix");
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(blob);
            if (length > (uint)(blob.Length - 4))
            {
                throw ModelDockException.InvalidInput(
                    $"input '{name}': BYTES element {elements.Count} declares {length} bytes but only {blob.Length - 4} remain");
            }

            elements.Add(blob.Slice(4, (int)length).ToArray());
            blob = blob[(4 + (int)length)..];
        }

        if (expected != long.MaxValue && elements.Count != expected)
        {
            throw ModelDockException.InvalidInput($"input '{name}': binary data has {elements.Count} BYTES elements but the shape needs {expected}");
        }

        return elements;
    }

    public static int Length(IReadOnlyList<byte[]> elements)
    {
        var length = 0;
        foreach (var e in elements)
        {
            length += 4 + e.Length;
        }

        return length;
    }

    public static byte[] Write(IReadOnlyList<byte[]> elements)
    {
        var buffer = new byte[Length(elements)];
        var at = buffer.AsSpan();
        foreach (var e in elements)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(at, (uint)e.Length);
            e.CopyTo(at[4..]);
            at = at[(4 + e.Length)..];
        }

        return buffer;
    }
}
