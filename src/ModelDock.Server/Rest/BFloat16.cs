namespace ModelDock.Server.Rest;

/// <summary>bfloat16 is the upper half of an IEEE single; .NET has no type for it.</summary>
internal static class BFloat16
{
    public static ushort FromSingle(float value)
    {
        if (float.IsNaN(value))
        {
            return 0x7FC0;
        }

        var bits = BitConverter.SingleToUInt32Bits(value);
        // Round to nearest, ties to even, like every framework that produces bf16.
        var rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)(rounded >> 16);
    }

    public static float ToSingle(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);
}
