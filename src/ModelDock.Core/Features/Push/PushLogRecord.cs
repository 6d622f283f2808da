using System.Text;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;

namespace ModelDock.Features.Push;

/// <summary>
/// One acknowledged offline push as the write-ahead file holds it: the source, its columns with their declared types,
/// and the typed values column by column. Types are written by their YAML names and values by their
/// <see cref="FeatureValueKind"/> number, both of which are stable, so a file written by one build is read by the next.
/// </summary>
internal sealed record PushLogRecord(string Source, IReadOnlyList<PushLogColumn> Columns, int Rows)
{
    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Source);
            writer.Write7BitEncodedInt(Columns.Count);
            writer.Write7BitEncodedInt(Rows);
            foreach (var column in Columns)
            {
                writer.Write(column.Name);
                writer.Write(column.Type.ToYamlName());
                for (var r = 0; r < Rows; r++)
                {
                    var value = column.Values[r];
                    writer.Write((byte)value.Kind);
                    switch (value.Kind)
                    {
                        case FeatureValueKind.Null:
                            break;
                        case FeatureValueKind.String:
                            writer.Write(value.AsString());
                            break;
                        default:
                            writer.Write(value.RawBits);
                            break;
                    }
                }
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a payload whose checksum matched; anything else it holds is a format this build does not know.</summary>
    public static PushLogRecord Decode(ReadOnlyMemory<byte> payload)
    {
        using var stream = new MemoryStream(payload.ToArray(), writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        var source = reader.ReadString();
        var columnCount = reader.Read7BitEncodedInt();
        var rows = reader.Read7BitEncodedInt();

        // Each value takes at least one byte, so counts beyond the payload's length are not a record of this format.
        if (columnCount < 0 || rows < 0 || columnCount > payload.Length || (long)columnCount * rows > payload.Length)
        {
            throw new InvalidDataException($"A record of source '{source}' declares {columnCount} columns of {rows} rows in {payload.Length} bytes.");
        }

        var columns = new PushLogColumn[columnCount];
        for (var c = 0; c < columnCount; c++)
        {
            var name = reader.ReadString();
            var typeName = reader.ReadString();
            if (!FeatureValueTypes.TryParse(typeName, out var type))
            {
                throw new InvalidDataException($"Column '{name}' of source '{source}' has the unknown type '{typeName}'.");
            }

            var values = new FeatureValue[rows];
            for (var r = 0; r < rows; r++)
            {
                var kind = (FeatureValueKind)reader.ReadByte();
                values[r] = kind switch
                {
                    FeatureValueKind.Null => FeatureValue.Null,
                    FeatureValueKind.String => FeatureValue.FromString(reader.ReadString()),
                    > FeatureValueKind.Null and <= FeatureValueKind.Timestamp => FeatureValue.FromRaw(kind, reader.ReadInt64()),
                    _ => throw new InvalidDataException($"Column '{name}' of source '{source}' has a value of unknown kind {(byte)kind}."),
                };
            }

            columns[c] = new PushLogColumn(name, type, values);
        }

        return new PushLogRecord(source, columns, rows);
    }
}

/// <summary>One column of a <see cref="PushLogRecord"/>: one value per row, null where the push left it out.</summary>
internal sealed record PushLogColumn(string Name, FeatureValueType Type, FeatureValue[] Values);
