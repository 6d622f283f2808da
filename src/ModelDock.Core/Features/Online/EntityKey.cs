using System.Buffers.Binary;
using System.Text;

namespace ModelDock.Features.Online;

/// <summary>
/// The serialized identity of one entity row: its join keys sorted by name, each with its type tag and
/// value. The type is part of the bytes, so INT64 1 and STRING "1" are different keys, and the bytes are
/// stable across processes and stores (they are the storage key).
/// </summary>
public readonly struct EntityKey : IEquatable<EntityKey>
{
    private readonly byte[]? _bytes;

    private EntityKey(byte[] bytes)
    {
        _bytes = bytes;
    }

    /// <summary>The key of views without entities: every request row reads the same single row.</summary>
    public static EntityKey Global { get; } = new([]);

    public ReadOnlySpan<byte> Span => _bytes;

    /// <summary>The serialized key; stores use it as the storage key as is.</summary>
    public byte[] Bytes => _bytes ?? throw new InvalidOperationException("The entity key was not created with EntityKey.Create.");

    public static EntityKey Create(string joinKey, FeatureValue value) => Create([new KeyValuePair<string, FeatureValue>(joinKey, value)]);

    /// <summary>Builds a key from its join keys in any order (none for a global view); only INT32, INT64 and STRING values can be keys.</summary>
    public static EntityKey Create(IReadOnlyList<KeyValuePair<string, FeatureValue>> joinKeys)
    {
        ArgumentNullException.ThrowIfNull(joinKeys);
        if (joinKeys.Count == 0)
        {
            return Global;
        }

        var sorted = joinKeys.Count == 1 ? joinKeys : [.. joinKeys.OrderBy(k => k.Key, StringComparer.Ordinal)];
        var length = 0;
        foreach (var (name, value) in sorted)
        {
            length += 2 + Encoding.UTF8.GetByteCount(name) + 1 + value.Kind switch
            {
                FeatureValueKind.Int32 => 4,
                FeatureValueKind.Int64 => 8,
                FeatureValueKind.String => 4 + Encoding.UTF8.GetByteCount(value.AsString()),
                _ => throw new ArgumentException($"Join key '{name}' has a {value.Kind} value; entity keys are INT32, INT64 or STRING.", nameof(joinKeys)),
            };
        }

        var bytes = new byte[length];
        var span = bytes.AsSpan();
        foreach (var (name, value) in sorted)
        {
            var nameLength = Encoding.UTF8.GetBytes(name, span[2..]);
            BinaryPrimitives.WriteUInt16LittleEndian(span, checked((ushort)nameLength));
            span = span[(2 + nameLength)..];
            span[0] = (byte)value.Kind;
            span = span[1..];
            switch (value.Kind)
            {
                case FeatureValueKind.Int32:
                    BinaryPrimitives.WriteInt32LittleEndian(span, value.AsInt32());
                    span = span[4..];
                    break;
                case FeatureValueKind.Int64:
                    BinaryPrimitives.WriteInt64LittleEndian(span, value.AsInt64());
                    span = span[8..];
                    break;
                default:
                    var textLength = Encoding.UTF8.GetBytes(value.AsString(), span[4..]);
                    BinaryPrimitives.WriteInt32LittleEndian(span, textLength);
                    span = span[(4 + textLength)..];
                    break;
            }
        }

        return new EntityKey(bytes);
    }

    public bool Equals(EntityKey other) => Span.SequenceEqual(other.Span);

    public override bool Equals(object? obj) => obj is EntityKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Span);
        return hash.ToHashCode();
    }

    public static bool operator ==(EntityKey left, EntityKey right) => left.Equals(right);

    public static bool operator !=(EntityKey left, EntityKey right) => !left.Equals(right);

    public override string ToString() => Convert.ToHexString(Span);
}
