using System.Globalization;
using DuckDB.NET.Data;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Features.Online;

namespace ModelDock.Features.Materialization;

/// <summary>
/// The latest row per entity key of one view with an event timestamp in [start, end], read with DuckDB from
/// the source file plus the rows pushed to it (the files historical retrieval reads); ties on the event
/// timestamp go to the greatest created timestamp. Rows come out ordered by key so runs are repeatable.
/// </summary>
internal sealed class LatestSourceRows : IDisposable
{
    private readonly DuckDBConnection _connection;
    private readonly FeatureView _view;
    private readonly IReadOnlyList<JoinKey> _joinKeys;

    public LatestSourceRows(FeatureRepository repository, OfflineStore offline, FeatureView view, DateTimeOffset start, DateTimeOffset end)
    {
        _view = view;
        _joinKeys = repository.GetJoinKeys(view);
        foreach (var field in view.Schema.Where(f => f.Dtype.IsList()))
        {
            throw ModelDockException.InvalidInput(
                $"Feature view '{view.Name}' has list feature '{field.Name}' ({field.Dtype.ToYamlName()}); the online store holds scalar features only.");
        }

        var source = repository.GetSource(view.Source);
        var file = repository.GetSourcePath(source);
        if (!File.Exists(file))
        {
            throw ModelDockException.InvalidInput($"Source '{source.Name}' of feature view '{view.Name}' points at '{file}', which does not exist.");
        }

        var pushedFolder = offline.GetPushedFolder(source.Name);
        var relations = new List<string> { Sql.ReadFiles([file]) };
        if (Directory.Exists(pushedFolder) && Directory.GetFiles(pushedFolder, "*.parquet").Order(StringComparer.Ordinal).ToArray() is { Length: > 0 } pushed)
        {
            relations.Add(Sql.ReadFiles(pushed));
        }

        var created = source.CreatedTimestampColumn is { } c ? $"CAST({Sql.Identifier(c)} AS TIMESTAMP)" : "CAST(NULL AS TIMESTAMP)";
        var projection = string.Join(", ", _joinKeys.Select(k => $"CAST({Sql.Identifier(k.Name)} AS {Sql.TypeName(k.ValueType)}) AS {Sql.Identifier(k.Name)}")
            .Append($"CAST({Sql.Identifier(source.TimestampField)} AS TIMESTAMP) AS __ts")
            .Append($"{created} AS __created")
            .Concat(view.Schema.Select((f, i) => $"CAST({Sql.Identifier(f.Name)} AS {Sql.TypeName(f.Dtype)}) AS __f{i}")));
        var keys = string.Join(", ", _joinKeys.Select(k => Sql.Identifier(k.Name)));
        var partition = keys.Length == 0 ? string.Empty : $"PARTITION BY {keys}";
        _connection = new DuckDBConnection("DataSource=:memory:");
        _connection.Open();
        try
        {
            Execute("SET TimeZone = 'UTC'");
            Execute($"""
                CREATE TEMP TABLE latest AS
                SELECT * FROM ({string.Join(" UNION ALL ", relations.Select(r => $"SELECT {projection} FROM {r}"))})
                WHERE __ts >= {Literal(start)} AND __ts <= {Literal(end)}
                QUALIFY row_number() OVER ({partition} ORDER BY __ts DESC, __created DESC NULLS LAST) = 1
                """);
            using var count = _connection.CreateCommand();
            count.CommandText = "SELECT count(*) FROM latest";
            Count = Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        catch (DuckDBException e)
        {
            _connection.Dispose();
            throw new ModelDockException(ErrorKind.InvalidInput, $"Reading source '{source.Name}' for feature view '{view.Name}' failed: {e.Message}", e);
        }

        OrderBy = keys.Length == 0 ? string.Empty : $"ORDER BY {keys}";
    }

    public long Count { get; }

    private string OrderBy { get; }

    /// <summary>The rows as online writes, in batches of at most <paramref name="batchSize"/>.</summary>
    public IEnumerable<List<OnlineWriteRow>> ReadBatches(int batchSize)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT * FROM latest {OrderBy}";
        using var reader = command.ExecuteReader();
        var keyCount = _joinKeys.Count;
        var batch = new List<OnlineWriteRow>(batchSize);
        var parts = new KeyValuePair<string, FeatureValue>[keyCount];
        while (reader.Read())
        {
            for (var k = 0; k < keyCount; k++)
            {
                parts[k] = new(_joinKeys[k].Name, Read(reader, k, _joinKeys[k].ValueType));
            }

            var eventTime = AsUtc(reader.GetDateTime(keyCount));
            DateTimeOffset? createdTime = reader.IsDBNull(keyCount + 1) ? null : AsUtc(reader.GetDateTime(keyCount + 1));
            var values = new FeatureValue[_view.Schema.Count];
            for (var f = 0; f < values.Length; f++)
            {
                values[f] = Read(reader, keyCount + 2 + f, _view.Schema[f].Dtype);
            }

            batch.Add(new OnlineWriteRow(EntityKey.Create(parts), values, eventTime, createdTime));
            if (batch.Count == batchSize)
            {
                yield return batch;
                batch = new List<OnlineWriteRow>(batchSize);
            }
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    public void Dispose() => _connection.Dispose();

    private static FeatureValue Read(DuckDBDataReader reader, int ordinal, FeatureValueType type)
    {
        if (reader.IsDBNull(ordinal))
        {
            return FeatureValue.Null;
        }

        return type switch
        {
            FeatureValueType.Int32 => FeatureValue.FromInt32(reader.GetInt32(ordinal)),
            FeatureValueType.Int64 => FeatureValue.FromInt64(reader.GetInt64(ordinal)),
            FeatureValueType.Float => FeatureValue.FromFloat(reader.GetFloat(ordinal)),
            FeatureValueType.Double => FeatureValue.FromDouble(reader.GetDouble(ordinal)),
            FeatureValueType.String => FeatureValue.FromString(reader.GetString(ordinal)),
            FeatureValueType.Bool => FeatureValue.FromBool(reader.GetBoolean(ordinal)),
            _ => FeatureValue.FromTimestamp(AsUtc(reader.GetDateTime(ordinal))),
        };
    }

    private static DateTimeOffset AsUtc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static string Literal(DateTimeOffset value) =>
        "TIMESTAMP " + Sql.Literal(value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
