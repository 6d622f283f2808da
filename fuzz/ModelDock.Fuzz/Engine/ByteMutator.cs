using System.Text;

namespace ModelDock.Fuzz.Engine;

/// <summary>
/// Byte-level mutations in the manner of libFuzzer's: flips, random bytes, inserted and removed ranges,
/// repeated chunks, splices from another seed, and tokens that break parsers (invalid UTF-8, lone surrogates,
/// numbers out of range, unbalanced brackets).
/// </summary>
internal static class ByteMutator
{
    private static readonly byte[][] Tokens =
    [
        .. new[]
        {
            "\"", "{", "}", "[", "]", ",", ":", "null", "true", "-", "0", "-0", "1e999", "-1e999", "NaN",
            "18446744073709551616", "9223372036854775808", "-9223372036854775809", "2147483648", "4294967296",
            "\\ud800", "\\udfff", "\\u0000", "\\", "\\x", "\"\"", "[[[[[[[[", "]]]]]]]]", "{\"\":", "\r\n", "\t",
        }.Select(Encoding.UTF8.GetBytes),
        [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x00], [0x80],
    ];

    private static readonly byte[] Interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0x7E, 0x40, 0x20];

    /// <summary>Applies one to <paramref name="maxRounds"/> mutations; <paramref name="other"/> is spliced from.</summary>
    public static byte[] Mutate(byte[] data, Random random, byte[]? other = null, int maxRounds = 4)
    {
        var bytes = new List<byte>(data);
        var rounds = random.Next(1, maxRounds + 1);
        for (var i = 0; i < rounds; i++)
        {
            MutateOnce(bytes, random, other);
        }

        return [.. bytes];
    }

    private static void MutateOnce(List<byte> bytes, Random random, byte[]? other)
    {
        var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count + 1);
        switch (random.Next(9))
        {
            case 0 when bytes.Count > 0:
                var flip = random.Next(bytes.Count);
                bytes[flip] ^= (byte)(1 << random.Next(8));
                break;
            case 1 when bytes.Count > 0:
                bytes[random.Next(bytes.Count)] = random.Next(2) == 0 ? Interesting[random.Next(Interesting.Length)] : (byte)random.Next(256);
                break;
            case 2:
                var insert = new byte[random.Next(1, 9)];
                random.NextBytes(insert);
                bytes.InsertRange(at, insert);
                break;
            case 3 when bytes.Count > 0:
                var start = random.Next(bytes.Count);
                bytes.RemoveRange(start, random.Next(1, Math.Min(bytes.Count - start, 16) + 1));
                break;
            case 4 when bytes.Count > 0:
                var from = random.Next(bytes.Count);
                var chunk = bytes.GetRange(from, random.Next(1, Math.Min(bytes.Count - from, 64) + 1));
                var copies = random.Next(1, 64);
                for (var c = 0; c < copies; c++)
                {
                    bytes.InsertRange(at, chunk);
                }

                break;
            case 5 when other is { Length: > 0 }:
                var otherStart = random.Next(other.Length);
                var length = random.Next(1, other.Length - otherStart + 1);
                bytes.InsertRange(at, other.AsSpan(otherStart, length).ToArray());
                break;
            case 6 when bytes.Count > 1:
                var keep = random.Next(1, bytes.Count);
                bytes.RemoveRange(keep, bytes.Count - keep);
                break;
            default:
                bytes.InsertRange(at, Tokens[random.Next(Tokens.Length)]);
                break;
        }
    }
}
