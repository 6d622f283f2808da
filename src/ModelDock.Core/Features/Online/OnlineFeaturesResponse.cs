namespace ModelDock.Features.Online;

/// <summary>
/// Column-major online features as Feast returns them: the request's join keys first, then each feature,
/// each column holding one value, status and event timestamp per entity row.
/// </summary>
/// <remarks>
/// Cells are worked out when asked for, from the shared rows of the store reads and the clock reading taken
/// when the request was served, so an answer of thousands of values costs no copy of them.
/// </remarks>
public sealed class OnlineFeaturesResponse
{
    private static readonly long EpochTicks = DateTimeOffset.UnixEpoch.UtcTicks;

    private readonly FeatureValue[][] _joinKeys;
    private readonly OnlineReadResult[] _results;
    private readonly IReadOnlyList<OutputFeature> _features;
    private readonly long _nowTicks;

    internal OnlineFeaturesResponse(
        IReadOnlyList<string> featureNames, FeatureValue[][] joinKeys, int rowCount, OnlineReadResult[] results, IReadOnlyList<OutputFeature> features, long nowTicks)
    {
        FeatureNames = featureNames;
        JoinKeyCount = joinKeys.Length;
        RowCount = rowCount;
        _joinKeys = joinKeys;
        _results = results;
        _features = features;
        _nowTicks = nowTicks;
    }

    /// <summary>Output column names: join keys, then features (<c>feature</c> or <c>view__feature</c>).</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    public int JoinKeyCount { get; }

    public int RowCount { get; }

    public FeatureValue GetValue(int column, int row)
    {
        if (column < JoinKeyCount)
        {
            return _joinKeys[column][row];
        }

        var status = FeatureCell(column, row, out var value, out _);
        return status is FeatureStatus.Present ? value : FeatureValue.Null;
    }

    public FeatureStatus GetStatus(int column, int row)
    {
        if (column < JoinKeyCount)
        {
            return _joinKeys[column][row].IsNull ? FeatureStatus.NullValue : FeatureStatus.Present;
        }

        return FeatureCell(column, row, out _, out _);
    }

    /// <summary>When the value was observed; the Unix epoch for join keys and for values not found, as Feast reports them.</summary>
    public DateTimeOffset GetEventTimestamp(int column, int row)
    {
        if (column < JoinKeyCount)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)RowCount, nameof(row));
            return DateTimeOffset.UnixEpoch;
        }

        FeatureCell(column, row, out _, out var eventTicks);
        return new DateTimeOffset(eventTicks, TimeSpan.Zero);
    }

    /// <summary>A feature cell: its status, the stored value (withheld by the caller unless present) and its event time.</summary>
    private FeatureStatus FeatureCell(int column, int row, out FeatureValue value, out long eventTicks)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)RowCount, nameof(row));
        var feature = _features[column - JoinKeyCount];
        if (!_results[feature.Group].TryGet(row, feature.Column, out value, out eventTicks))
        {
            eventTicks = EpochTicks;
            return FeatureStatus.NotFound;
        }

        if (feature.TtlTicks > 0 && eventTicks < _nowTicks - feature.TtlTicks)
        {
            return FeatureStatus.OutsideMaxAge;
        }

        return value.IsNull ? FeatureStatus.NullValue : FeatureStatus.Present;
    }
}
