namespace ModelDock.Features.Online;

/// <summary>
/// What a store found for a read, indexed by entity row and column of the plan. A value is found when its
/// view's row exists and holds that feature; a found value may still be null. Rows are held decoded and
/// shared, not copied value by value, so a result costs two references per entity and view.
/// </summary>
public sealed class OnlineReadResult
{
    private readonly OnlineRow?[] _rows;
    private readonly int[]?[] _positions;
    private readonly RowLayout?[] _lastLayouts;
    private readonly int[]?[] _lastPositions;

    public OnlineReadResult(OnlineReadPlan plan, int entityCount)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfNegative(entityCount);
        Plan = plan;
        EntityCount = entityCount;
        _rows = new OnlineRow?[entityCount * plan.Views.Count];
        _positions = new int[]?[_rows.Length];
        _lastLayouts = new RowLayout?[plan.Views.Count];
        _lastPositions = new int[]?[plan.Views.Count];
    }

    public OnlineReadPlan Plan { get; }

    public int EntityCount { get; }

    public FeatureValue GetValue(int entity, int column)
    {
        var position = PositionOf(entity, column, out var row);
        return position >= 0 ? row!.Values[position] : FeatureValue.Null;
    }

    public bool IsFound(int entity, int column) => PositionOf(entity, column, out _) >= 0;

    /// <summary>The event timestamp of the entity's row for a view, or null when the store has no such row.</summary>
    public DateTimeOffset? GetEventTimestamp(int entity, int view) =>
        GetRow(entity, view) is { } row ? new DateTimeOffset(row.EventTicks, TimeSpan.Zero) : null;

    internal OnlineRow? GetRow(int entity, int view) => _rows[Slot(entity, view)];

    /// <summary>A found value with its row's event time, in one lookup.</summary>
    internal bool TryGet(int entity, int column, out FeatureValue value, out long eventTicks)
    {
        var position = PositionOf(entity, column, out var row);
        if (position < 0)
        {
            (value, eventTicks) = (FeatureValue.Null, 0);
            return false;
        }

        (value, eventTicks) = (row!.Values[position], row.EventTicks);
        return true;
    }

    /// <summary>Decodes a stored row into the result, sharing the layout of the view's previous row when the names match.</summary>
    internal void SetRow(int entity, int view, ReadOnlySpan<byte> encoded) =>
        SetRow(entity, view, OnlineRowCodec.Decode(encoded, _lastLayouts[view]));

    internal void SetRow(int entity, int view, OnlineRow row)
    {
        if (!ReferenceEquals(row.Layout, _lastLayouts[view]))
        {
            _lastPositions[view] = row.Layout.PositionsOf(Plan.Views[view]);
            _lastLayouts[view] = row.Layout;
        }

        var slot = Slot(entity, view);
        _rows[slot] = row;
        _positions[slot] = _lastPositions[view];
    }

    private int PositionOf(int entity, int column, out OnlineRow? row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Plan.ColumnCount);
        var view = Plan.ViewOfColumn[column];
        var slot = Slot(entity, view);
        row = _rows[slot];
        return row is null ? -1 : _positions[slot]![column - Plan.Offsets[view]];
    }

    private int Slot(int entity, int view)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(entity);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(entity, EntityCount);
        return (entity * Plan.Views.Count) + view;
    }
}
