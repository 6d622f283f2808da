namespace ModelDock.Features.Online;

/// <summary>
/// Column-major online features as Feast returns them: the request's join keys first, then each feature,
/// each column holding one value, status and event timestamp per entity row.
/// </summary>
public sealed class OnlineFeaturesResponse
{
    private readonly FeatureValue[] _values;
    private readonly FeatureStatus[] _statuses;
    private readonly long[] _eventTicks;

    internal OnlineFeaturesResponse(IReadOnlyList<string> featureNames, int joinKeyCount, int rowCount)
    {
        FeatureNames = featureNames;
        JoinKeyCount = joinKeyCount;
        RowCount = rowCount;
        var cells = featureNames.Count * rowCount;
        _values = new FeatureValue[cells];
        _statuses = new FeatureStatus[cells];
        _eventTicks = new long[cells];
    }

    /// <summary>Output column names: join keys, then features (<c>feature</c> or <c>view__feature</c>).</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    public int JoinKeyCount { get; }

    public int RowCount { get; }

    public FeatureValue GetValue(int column, int row) => _values[(column * RowCount) + row];

    public FeatureStatus GetStatus(int column, int row) => _statuses[(column * RowCount) + row];

    /// <summary>When the value was observed; the Unix epoch for join keys and for values not found, as Feast reports them.</summary>
    public DateTimeOffset GetEventTimestamp(int column, int row) => new(_eventTicks[(column * RowCount) + row], TimeSpan.Zero);

    internal void Set(int column, int row, FeatureValue value, FeatureStatus status, long eventTicks)
    {
        var index = (column * RowCount) + row;
        _values[index] = value;
        _statuses[index] = status;
        _eventTicks[index] = eventTicks;
    }
}
