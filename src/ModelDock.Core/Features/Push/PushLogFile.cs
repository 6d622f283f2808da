using System.Buffers.Binary;
using System.Numerics;

namespace ModelDock.Features.Push;

/// <summary>
/// The framing of a write-ahead file: a header, then records of <c>[length][CRC-32C][payload]</c> (little-endian).
/// A process killed while appending leaves at most a partial last record; reading stops at the first record that is
/// cut short or fails its checksum, and what follows it was never acknowledged.
/// </summary>
internal static class PushLogFile
{
    public const string Extension = ".wal";

    private const int FrameHeader = 8;

    private static ReadOnlySpan<byte> Magic => "MDPUSH01"u8;

    public static void WriteHeader(Stream stream) => stream.Write(Magic);

    public static void WriteRecord(Stream stream, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[FrameHeader];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Checksum(payload));
        stream.Write(header);
        stream.Write(payload);
    }

    /// <summary>The frame size of a payload of <paramref name="length"/> bytes.</summary>
    public static long FrameLength(int length) => FrameHeader + length;

    /// <summary>Every complete record of <paramref name="file"/>, and how many bytes at its end were ignored.</summary>
    public static (List<ReadOnlyMemory<byte>> Records, long IgnoredBytes) Read(byte[] file)
    {
        var records = new List<ReadOnlyMemory<byte>>();
        if (file.Length < Magic.Length || !file.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            // Cut off before its header was complete: it never held an acknowledged record.
            return (records, file.Length);
        }

        var offset = Magic.Length;
        while (file.Length - offset >= FrameHeader)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(offset));
            var checksum = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 4));
            if (length < 0 || length > file.Length - offset - FrameHeader)
            {
                break;
            }

            var payload = new ReadOnlyMemory<byte>(file, offset + FrameHeader, length);
            if (Checksum(payload.Span) != checksum)
            {
                break;
            }

            records.Add(payload);
            offset += FrameHeader + length;
        }

        return (records, file.Length - offset);
    }

    private static uint Checksum(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
