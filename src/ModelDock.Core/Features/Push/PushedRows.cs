using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;

namespace ModelDock.Features.Push;

/// <summary>Pushed columns checked against the declared types: every value converted, every problem named by column and row.</summary>
internal sealed class PushedRows
{
    private readonly Dictionary<string, FeatureValue[]> _columns = new(StringComparer.Ordinal);

    public PushedRows(IReadOnlyList<ValueColumn> columns, IReadOnlyList<PushColumnSpec> schema)
    {
        if (columns.Count == 0)
        {
            throw ModelDockException.InvalidInput("The pushed rows have no columns.");
        }

        Count = columns[0].Values.Count;
        var given = new Dictionary<string, ValueColumn>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            if (column.Values.Count != Count)
            {
                throw ModelDockException.InvalidInput(
                    $"Column '{column.Name}' has {column.Values.Count} values but '{columns[0].Name}' has {Count}; every column needs one value per row.");
            }

            given[column.Name] = column;
        }

        foreach (var (name, type, required, notNull) in schema)
        {
            if (!given.TryGetValue(name, out var column))
            {
                if (required)
                {
                    throw ModelDockException.InvalidInput($"The pushed rows lack column '{name}' ({type.ToYamlName()}).");
                }

                continue;
            }

            var typed = new FeatureValue[Count];
            for (var r = 0; r < Count; r++)
            {
                var raw = column.Values[r];
                if (!FeatureValueConversions.TryCoerce(raw, type, out typed[r]) || (notNull && typed[r].IsNull))
                {
                    throw ModelDockException.InvalidInput(
                        $"Column '{name}' row {r} is {FeatureValueConversions.Describe(raw)}; expected {Expected(type)}{(notNull ? " (not null)" : "")}.");
                }
            }

            _columns[name] = typed;
        }
    }

    public int Count { get; }

    public FeatureValue[]? this[string name] => _columns.GetValueOrDefault(name);

    /// <summary>Timestamps come as text or as numbers; a number out of range is most often milliseconds, so the range is named.</summary>
    private static string Expected(FeatureValueType type) => type == FeatureValueType.UnixTimestamp
        ? $"{type.ToYamlName()} (an ISO 8601 string, or epoch seconds from {FeatureValueConversions.MinEpochSeconds} to {FeatureValueConversions.MaxEpochSeconds})"
        : type.ToYamlName();
}

/// <summary>A column pushed rows may carry: whether it must be there, and whether its values may be null.</summary>
internal readonly record struct PushColumnSpec(string Name, FeatureValueType Type, bool Required, bool NotNull);
