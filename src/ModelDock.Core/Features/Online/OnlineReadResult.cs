namespace ModelDock.Features.Online;

/// <summary>
/// What a store found for a read, as flat arrays indexed by entity row and column of the plan. A value
/// is found when its view's row exists and holds that feature; a found value may still be null.
/// </summary>
public sealed class OnlineReadResult
{
    private readonly FeatureValue[] _values;
    private readonly bool[] _found;
    private readonly long[] _eventTicks;

    public OnlineReadResult(OnlineReadPlan plan, int entityCount)
    {
        ArgumentNullException.ThrowIfNull(plan);
        Plan = plan;
        EntityCount = entityCount;
        _values = new FeatureValue[entityCount * plan.ColumnCount];
        _found = new bool[entityCount * plan.ColumnCount];
        _eventTicks = new long[entityCount * plan.Views.Count];
    }

    public OnlineReadPlan Plan { get; }

    public int EntityCount { get; }

    public FeatureValue GetValue(int entity, int column) => _values[(entity * Plan.ColumnCount) + column];

    public bool IsFound(int entity, int column) => _found[(entity * Plan.ColumnCount) + column];

    /// <summary>The event timestamp of the entity's row for a view, or null when the store has no such row.</summary>
    public DateTimeOffset? GetEventTimestamp(int entity, int view)
    {
        var ticks = _eventTicks[(entity * Plan.Views.Count) + view];
        return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
    }

    internal void SetRow(int entity, int view, long eventTicks) =>
        _eventTicks[(entity * Plan.Views.Count) + view] = Math.Max(eventTicks, 1);

    internal void SetValue(int entity, int column, FeatureValue value)
    {
        var index = (entity * Plan.ColumnCount) + column;
        _values[index] = value;
        _found[index] = true;
    }
}
