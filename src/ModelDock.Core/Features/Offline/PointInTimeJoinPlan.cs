using System.Globalization;
using DuckDB.NET.Data;
using ModelDock.Errors;
using ModelDock.Features.Definitions;

namespace ModelDock.Features.Offline;

/// <summary>
/// The SQL of one historical retrieval. Per view: the source rows (file plus pushed files) pruned to the
/// entity rows' time range, deduplicated per (keys, event timestamp) keeping the greatest created timestamp,
/// then an ASOF LEFT JOIN picks the latest row at or before each entity row; a TTL nulls a match older than
/// <c>row.ts - ttl</c>. Because the ASOF match is the latest eligible row, when it is too old every earlier
/// row is too, so nulling it equals Feast's "latest row inside [ts - ttl, ts]".
/// </summary>
internal sealed class PointInTimeJoinPlan
{
    private readonly HistoricalFeatureRequest _request;
    private readonly OfflineStore _store;

    public PointInTimeJoinPlan(HistoricalFeatureRequest request, OfflineStore store)
    {
        _request = request;
        _store = store;
        var outputNames = new Dictionary<string, FeatureReference>(StringComparer.Ordinal);
        var views = new List<ViewJoin>();
        foreach (var group in request.Features.GroupBy(f => f.View, StringComparer.Ordinal))
        {
            var view = request.Repository.GetFeatureView(group.Key);
            var features = new List<(FeatureField Field, string Output)>();
            foreach (var reference in group)
            {
                var field = view.FindField(reference.Feature)
                    ?? throw ModelDockException.NotFound($"Feature view '{view.Name}' has no feature '{reference.Feature}'.");
                var output = request.FullFeatureNames ? reference.FullName : reference.Feature;
                if (!outputNames.TryAdd(output, reference))
                {
                    throw ModelDockException.InvalidInput(
                        $"Features '{outputNames[output]}' and '{reference}' would both be named '{output}'; request full feature names.");
                }

                features.Add((field, output));
            }

            views.Add(new ViewJoin(
                view,
                request.Repository.GetJoinKeys(view),
                request.Repository.GetSource(view.Source),
                features));
        }

        Views = views;
    }

    public IReadOnlyList<ViewJoin> Views { get; }

    public void CheckValueColumns(IReadOnlyList<string> entityColumns)
    {
        var present = entityColumns.ToHashSet(StringComparer.Ordinal);
        foreach (var view in Views)
        {
            foreach (var key in view.JoinKeys.Where(k => !present.Contains(k.Name)))
            {
                throw ModelDockException.InvalidInput(
                    $"The entity rows have no column '{key.Name}', a join key of feature view '{view.View.Name}'.");
            }

            foreach (var (_, output) in view.Features.Where(f => present.Contains(f.Output)))
            {
                throw ModelDockException.InvalidInput(
                    $"The entity rows already have a column '{output}', the name of a requested feature.");
            }
        }
    }

    public void JoinView(DuckDBConnection connection, int index, DateTime? minTs, DateTime? maxTs)
    {
        var join = Views[index];
        var source = join.Source;
        var file = _request.Repository.GetSourcePath(source);
        if (!File.Exists(file))
        {
            throw ModelDockException.InvalidInput($"Source '{source.Name}' of feature view '{join.View.Name}' points at '{source.Path}', which does not exist.");
        }

        var pushedFolder = _store.GetPushedFolder(source.Name);
        var pushed = Directory.Exists(pushedFolder)
            ? Directory.GetFiles(pushedFolder, "*.parquet").Order(StringComparer.Ordinal).ToArray()
            : [];
        var relations = new List<SourceRelation> { SourceRelation.SourceFile(source, file) };
        if (pushed.Length > 0)
        {
            relations.Add(SourceRelation.Pushed(pushed));
        }

        var needed = Columns(join);
        foreach (var relation in relations)
        {
            IReadOnlyList<string> described;
            try
            {
                described = EntityLoader.Describe(connection, relation.Sql);
            }
            catch (DuckDBException ex)
            {
                throw SourceFailure.Explain(connection, ex, source.Name, join.View.Name, [relation], []);
            }

            var columns = described.ToHashSet(StringComparer.Ordinal);
            foreach (var missing in needed.Where(c => !columns.Contains(c.Name)))
            {
                throw ModelDockException.InvalidInput(
                    $"Source '{source.Name}' of feature view '{join.View.Name}', {relation.Description}: has no column '{missing.Name}', " +
                    $"which {missing.DeclaredBy} needs; columns are: {string.Join(", ", described)}.");
            }
        }

        var featureTable = $"__fv_{index}";
        var projection = string.Join(", ", join.JoinKeys.Select(k => $"CAST({Sql.Identifier(k.Name)} AS {Sql.TypeName(k.ValueType)}) AS {Sql.Identifier(k.Name)}")
            .Append($"CAST({Sql.Identifier(source.TimestampField)} AS TIMESTAMP) AS __ts")
            .Concat(source.CreatedTimestampColumn is { } createdColumn ? [$"CAST({Sql.Identifier(createdColumn)} AS TIMESTAMP) AS __created"] : [])
            .Concat(join.Features.Select((f, i) => $"CAST({Sql.Identifier(f.Field.Name)} AS {Sql.TypeName(f.Field.Dtype)}) AS __f{i}")));
        var union = string.Join(" UNION ALL ", relations.Select(r => $"SELECT {projection} FROM {r.Sql}"));
        var prune = new List<string> { maxTs is null ? "false" : $"__ts <= {TimestampLiteral(maxTs.Value)}" };
        if (join.View.HasTtl && minTs is not null)
        {
            prune.Add($"__ts >= {TimestampLiteral(minTs.Value)} - {Interval(join.View.Ttl)}");
        }

        // The window runs as written: OfflineStore.OpenConnection disables DuckDB's rewrite of it (see there).
        var keyList = string.Join(", ", join.JoinKeys.Select(k => Sql.Identifier(k.Name)).Append("__ts"));
        var dedup = source.CreatedTimestampColumn is null
            ? string.Empty
            : $"QUALIFY row_number() OVER (PARTITION BY {keyList} ORDER BY __created DESC NULLS LAST) = 1";
        try
        {
            EntityLoader.Execute(connection, $"""
                CREATE TEMP TABLE {featureTable} AS
                SELECT * FROM ({union}) WHERE {string.Join(" AND ", prune)} {dedup}
                """);
        }
        catch (DuckDBException ex)
        {
            throw SourceFailure.Explain(connection, ex, source.Name, join.View.Name, relations, needed);
        }

        var on = string.Join(" AND ", join.JoinKeys
            .Select(k => $"CAST(e.{Sql.Identifier(k.Name)} AS {Sql.TypeName(k.ValueType)}) = f.{Sql.Identifier(k.Name)}")
            .Append($"e.{EntityLoader.TimestampColumn} >= f.__ts"));
        var outputs = string.Join(", ", join.Features.Select((f, i) => join.View.HasTtl
            ? $"CASE WHEN f.__ts >= e.{EntityLoader.TimestampColumn} - {Interval(join.View.Ttl)} THEN f.__f{i} END AS {Sql.Identifier(f.Output)}"
            : $"f.__f{i} AS {Sql.Identifier(f.Output)}"));
        try
        {
            EntityLoader.Execute(connection, $"""
                CREATE TEMP TABLE __joined_{index} AS
                SELECT e.{EntityLoader.RowColumn}, {outputs}
                FROM {EntityLoader.Table} e ASOF LEFT JOIN {featureTable} f ON {on}
                """);
        }
        catch (DuckDBException ex) when (SourceFailure.IsDataError(ex))
        {
            // The source rows are typed by now; only the entity rows' join keys are cast here.
            throw new ModelDockException(
                ErrorKind.InvalidInput,
                $"The entity rows' join keys of feature view '{join.View.Name}' do not convert to their value types: {SourceFailure.Summary(ex, [])}",
                ex);
        }
        catch (DuckDBException ex)
        {
            throw SourceFailure.Internal($"Joining feature view '{join.View.Name}'", ex, []);
        }

        EntityLoader.Execute(connection, $"DROP TABLE {featureTable}");
    }

    public string FinalQuery()
    {
        var selects = new List<string> { $"e.* EXCLUDE ({EntityLoader.RowColumn}, {EntityLoader.TimestampColumn})" };
        var joins = new List<string>();
        for (var i = 0; i < Views.Count; i++)
        {
            selects.AddRange(Views[i].Features.Select(f => $"j{i}.{Sql.Identifier(f.Output)}"));
            joins.Add($"LEFT JOIN __joined_{i} j{i} ON j{i}.{EntityLoader.RowColumn} = e.{EntityLoader.RowColumn}");
        }

        var ordered = _request.Features
            .Select(f => _request.FullFeatureNames ? f.FullName : f.Feature)
            .Select(name => selects.Skip(1).Single(s => s.EndsWith("." + Sql.Identifier(name), StringComparison.Ordinal)));
        return $"SELECT {string.Join(", ", ordered.Prepend(selects[0]))} FROM {EntityLoader.Table} e {string.Join(" ", joins)} ORDER BY e.{EntityLoader.RowColumn}";
    }

    /// <summary>The source columns a view reads, each with the type its definition declares.</summary>
    private static List<SourceColumn> Columns(ViewJoin join)
    {
        var view = $"feature view '{join.View.Name}'";
        var columns = join.JoinKeys
            .Select(k => new SourceColumn(k.Name, Sql.TypeName(k.ValueType), $"join key '{k.Name}' of {view}"))
            .Append(new SourceColumn(join.Source.TimestampField, "TIMESTAMP", $"the timestamp_field of source '{join.Source.Name}'"))
            .ToList();
        if (join.Source.CreatedTimestampColumn is { } created)
        {
            columns.Add(new SourceColumn(created, "TIMESTAMP", $"the created_timestamp_column of source '{join.Source.Name}'"));
        }

        columns.AddRange(join.Features.Select(f => new SourceColumn(f.Field.Name, Sql.TypeName(f.Field.Dtype), $"feature '{f.Field.Name}' of {view}")));
        return columns;
    }

    private static string TimestampLiteral(DateTime value) =>
        "TIMESTAMP " + Sql.Literal(value.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));

    private static string Interval(TimeSpan ttl) => $"to_microseconds({Sql.Microseconds(ttl)})";

    internal sealed record ViewJoin(
        FeatureView View,
        IReadOnlyList<JoinKey> JoinKeys,
        DataSource Source,
        IReadOnlyList<(FeatureField Field, string Output)> Features);
}
