namespace ModelDock.Features.Online;

/// <summary>
/// The feature names of a stored row, in stored order. Rows of a view written with the same names share one
/// layout, so where each requested feature sits is worked out once per layout and read, not once per row.
/// </summary>
internal sealed class RowLayout(byte[][] utf8Names)
{
    public byte[][] Utf8Names { get; } = utf8Names;

    /// <summary>For each feature <paramref name="view"/> asks for, its position in this layout, or -1 when rows of this layout lack it.</summary>
    public int[] PositionsOf(OnlineViewRequest view)
    {
        var wanted = view.Utf8Features;
        var positions = new int[wanted.Length];
        for (var i = 0; i < wanted.Length; i++)
        {
            positions[i] = IndexOf(wanted[i], i);
        }

        return positions;
    }

    private int IndexOf(byte[] name, int likely)
    {
        // Requests usually list a view's features in schema order, so the same position is the first guess.
        if (likely < Utf8Names.Length && name.AsSpan().SequenceEqual(Utf8Names[likely]))
        {
            return likely;
        }

        for (var i = 0; i < Utf8Names.Length; i++)
        {
            if (name.AsSpan().SequenceEqual(Utf8Names[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
