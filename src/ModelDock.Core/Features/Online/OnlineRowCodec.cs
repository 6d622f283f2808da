using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;

namespace ModelDock.Features.Online;

/// <summary>
/// The stored form of one entity's row for one view, shared by every store. It starts with the event and
/// created timestamps as fixed-width decimal ticks, so a store can order two rows by comparing the first
/// <see cref="HeaderLength"/> bytes as text (Redis does this in a script) without decoding them. Then come
/// the features by name, so rows written before a schema change still decode.
/// </summary>
internal static class OnlineRowCodec
{
    public const int HeaderLength = 2 * TicksDigits;
    private const int TicksDigits = 19;
    private static readonly StandardFormat TicksFormat = new('D', TicksDigits);

    public static byte[] Encode(IReadOnlyList<byte[]> utf8Names, ReadOnlySpan<FeatureValue> values, long eventTicks, long createdTicks)
    {
        if (utf8Names.Count != values.Length)
        {
            throw new ArgumentException($"A row has {values.Length} values for {utf8Names.Count} feature names.", nameof(values));
        }

        var length = HeaderLength + 2;
        for (var i = 0; i < values.Length; i++)
        {
            length += 2 + utf8Names[i].Length + 1 + PayloadLength(values[i]);
        }

        var bytes = new byte[length];
        var span = bytes.AsSpan();
        Utf8Formatter.TryFormat(eventTicks, span, out _, TicksFormat);
        Utf8Formatter.TryFormat(createdTicks, span[TicksDigits..], out _, TicksFormat);
        span = span[HeaderLength..];
        BinaryPrimitives.WriteUInt16LittleEndian(span, checked((ushort)values.Length));
        span = span[2..];
        for (var i = 0; i < values.Length; i++)
        {
            var name = utf8Names[i];
            BinaryPrimitives.WriteUInt16LittleEndian(span, checked((ushort)name.Length));
            name.CopyTo(span[2..]);
            span = span[(2 + name.Length)..];
            span = WriteValue(span, values[i]);
        }

        return bytes;
    }

    public static long ReadEventTicks(ReadOnlySpan<byte> row) => ParseTicks(row[..TicksDigits]);

    public static long ReadCreatedTicks(ReadOnlySpan<byte> row) => ParseTicks(row[TicksDigits..HeaderLength]);

    /// <summary>
    /// Decodes every feature of a stored row. The row shares <paramref name="likely"/> as its layout when its names
    /// are the same, as they are for every row a view wrote since its last schema change.
    /// </summary>
    public static OnlineRow Decode(ReadOnlySpan<byte> row, RowLayout? likely)
    {
        var eventTicks = ReadEventTicks(row);
        var span = row[HeaderLength..];
        int count = BinaryPrimitives.ReadUInt16LittleEndian(span);
        span = span[2..];
        var values = new FeatureValue[count];
        var same = likely is not null && likely.Utf8Names.Length == count;
        var names = same ? null : new byte[count][];
        for (var position = 0; position < count; position++)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(span);
            var name = span.Slice(2, nameLength);
            if (same && !name.SequenceEqual(likely!.Utf8Names[position]))
            {
                same = false;
                names = new byte[count][];
                Array.Copy(likely.Utf8Names, names, position);
            }

            if (!same)
            {
                names![position] = name.ToArray();
            }

            span = span[(2 + nameLength)..];
            values[position] = ReadValue(ref span);
        }

        return new OnlineRow(eventTicks, same ? likely! : new RowLayout(names!), values);
    }

    private static long ParseTicks(ReadOnlySpan<byte> digits) =>
        Utf8Parser.TryParse(digits, out long ticks, out var consumed) && consumed == digits.Length
            ? ticks
            : throw new InvalidDataException("A stored online row has a corrupt timestamp header.");

    private static int PayloadLength(FeatureValue value) => value.Kind switch
    {
        FeatureValueKind.Null => 0,
        FeatureValueKind.Bool => 1,
        FeatureValueKind.Int32 or FeatureValueKind.Float => 4,
        FeatureValueKind.Int64 or FeatureValueKind.Double or FeatureValueKind.Timestamp => 8,
        FeatureValueKind.String => 4 + Encoding.UTF8.GetByteCount(value.AsString()),
        _ => throw new ArgumentOutOfRangeException(nameof(value), value.Kind, "Unknown feature value kind."),
    };

    private static Span<byte> WriteValue(Span<byte> span, FeatureValue value)
    {
        span[0] = (byte)value.Kind;
        span = span[1..];
        switch (value.Kind)
        {
            case FeatureValueKind.Null:
                return span;
            case FeatureValueKind.Bool:
                span[0] = (byte)value.RawBits;
                return span[1..];
            case FeatureValueKind.Int32 or FeatureValueKind.Float:
                BinaryPrimitives.WriteInt32LittleEndian(span, (int)value.RawBits);
                return span[4..];
            case FeatureValueKind.String:
                var length = Encoding.UTF8.GetBytes(value.AsString(), span[4..]);
                BinaryPrimitives.WriteInt32LittleEndian(span, length);
                return span[(4 + length)..];
            default:
                BinaryPrimitives.WriteInt64LittleEndian(span, value.RawBits);
                return span[8..];
        }
    }

    private static FeatureValue ReadValue(ref ReadOnlySpan<byte> span)
    {
        var kind = (FeatureValueKind)span[0];
        span = span[1..];
        switch (kind)
        {
            case FeatureValueKind.Null:
                return FeatureValue.Null;
            case FeatureValueKind.Bool:
                var flag = span[0];
                span = span[1..];
                return FeatureValue.FromRaw(kind, flag);
            case FeatureValueKind.Int32 or FeatureValueKind.Float:
                var small = BinaryPrimitives.ReadInt32LittleEndian(span);
                span = span[4..];
                return FeatureValue.FromRaw(kind, small);
            case FeatureValueKind.String:
                var length = BinaryPrimitives.ReadInt32LittleEndian(span);
                var text = Encoding.UTF8.GetString(span.Slice(4, length));
                span = span[(4 + length)..];
                return FeatureValue.FromString(text);
            case FeatureValueKind.Int64 or FeatureValueKind.Double or FeatureValueKind.Timestamp:
                var bits = BinaryPrimitives.ReadInt64LittleEndian(span);
                span = span[8..];
                return FeatureValue.FromRaw(kind, bits);
            default:
                throw new InvalidDataException($"A stored online row has an unknown value kind {(byte)kind}.");
        }
    }
}
