namespace ModelDock.Features.Online;

/// <summary>
/// The views and features of a read, laid out as columns: the features of view 0 first, then view 1,
/// and so on. Built once per distinct feature list and reused across requests.
/// </summary>
public sealed class OnlineReadPlan
{
    public OnlineReadPlan(IReadOnlyList<OnlineViewRequest> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        if (views.Count == 0)
        {
            throw new ArgumentException("A read needs at least one feature view.", nameof(views));
        }

        Views = views;
        var offsets = new int[views.Count];
        var viewOfColumn = new List<int>();
        for (var i = 0; i < views.Count; i++)
        {
            offsets[i] = viewOfColumn.Count;
            viewOfColumn.AddRange(Enumerable.Repeat(i, views[i].Features.Count));
        }

        Offsets = offsets;
        ViewOfColumn = [.. viewOfColumn];
        ColumnCount = viewOfColumn.Count;
    }

    public IReadOnlyList<OnlineViewRequest> Views { get; }

    /// <summary>The first column of each view.</summary>
    public IReadOnlyList<int> ColumnOffsets => Offsets;

    internal int[] Offsets { get; private init; } = [];

    internal int[] ViewOfColumn { get; private init; } = [];

    public int ColumnCount { get; }
}
