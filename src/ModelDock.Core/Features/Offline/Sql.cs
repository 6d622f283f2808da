using System.Globalization;
using ModelDock.Features.Definitions;

namespace ModelDock.Features.Offline;

/// <summary>Quoting and type names for the DuckDB SQL the offline store generates.</summary>
internal static class Sql
{
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A DuckDB list of string literals, e.g. for read_parquet over several files.</summary>
    public static string LiteralList(IEnumerable<string> texts) => "[" + string.Join(", ", texts.Select(Literal)) + "]";

    public static string Microseconds(TimeSpan span) =>
        (span.Ticks / TimeSpan.TicksPerMicrosecond).ToString(CultureInfo.InvariantCulture);

    public static string TypeName(FeatureValueType type) => type switch
    {
        FeatureValueType.Int32 => "INTEGER",
        FeatureValueType.Int64 => "BIGINT",
        FeatureValueType.Float => "FLOAT",
        FeatureValueType.Double => "DOUBLE",
        FeatureValueType.String => "VARCHAR",
        FeatureValueType.Bool => "BOOLEAN",
        FeatureValueType.UnixTimestamp => "TIMESTAMP",
        _ => TypeName(type.ElementType()) + "[]",
    };

    /// <summary>A relation reading a Parquet or CSV file (by extension) or several Parquet files.</summary>
    public static string ReadFiles(IReadOnlyList<string> paths)
    {
        var csv = paths.Count == 1 && Path.GetExtension(paths[0]).Equals(".csv", StringComparison.OrdinalIgnoreCase);
        return csv
            ? $"read_csv({Literal(paths[0])}, header = true)"
            : $"read_parquet({LiteralList(paths)}, union_by_name = true)";
    }
}
