namespace ModelDock.Features.Offline;

/// <summary>Entity rows, in input order, with the joined feature columns after the entity columns.</summary>
internal sealed record HistoricalFeatureResult(IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows)
{
    public int ColumnIndex(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i] == name)
            {
                return i;
            }
        }

        throw new ArgumentException($"No column '{name}'.", nameof(name));
    }
}
