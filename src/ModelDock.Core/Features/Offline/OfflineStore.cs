using DuckDB.NET.Data;
using ModelDock.Errors;

namespace ModelDock.Features.Offline;

/// <summary>
/// Point-in-time-correct historical retrieval over Parquet/CSV sources with DuckDB, with Feast's semantics:
/// per entity row and view, the latest source row with equal join keys and
/// <c>row.ts - ttl &lt;= feature.ts &lt;= row.ts</c> (no lower bound when ttl is 0), ties on the event
/// timestamp going to the greatest created timestamp; nulls when nothing matches.
/// </summary>
internal sealed class OfflineStore(string dataDir)
{
    /// <summary>Where rows pushed to a source are appended, one Parquet file per push.</summary>
    public string GetPushedFolder(string sourceName) => Path.Combine(dataDir, "offline", "pushed", sourceName);

    /// <summary>Joins the features onto the entity rows and returns the result in memory, in entity row order.</summary>
    public HistoricalFeatureResult GetHistoricalFeatures(
        EntityTable entities,
        HistoricalFeatureRequest request,
        IProgress<RetrievalProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        using var connection = OpenConnection();
        var query = Prepare(connection, entities, request, progress, cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = query;
        var rows = new List<object?[]>();
        string[] columns;
        try
        {
            using var reader = command.ExecuteReader();
            columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
            while (reader.Read())
            {
                var row = new object?[columns.Length];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                rows.Add(row);
            }
        }
        catch (DuckDBException ex)
        {
            // Every input was read and typed by now; what fails here is ModelDock's own SQL.
            throw SourceFailure.Internal("Assembling the retrieved features", ex, []);
        }

        progress?.Report(new RetrievalProgress("done", 1, 1));
        return new HistoricalFeatureResult(columns, rows);
    }

    /// <summary>Joins the features onto the entity rows and writes them to a .parquet or .csv file; returns the row count.</summary>
    public long ExportHistoricalFeatures(
        EntityTable entities,
        HistoricalFeatureRequest request,
        string outputPath,
        IProgress<RetrievalProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        var format = Path.GetExtension(outputPath).ToUpperInvariant() switch
        {
            ".PARQUET" => "PARQUET",
            ".CSV" => "CSV, HEADER true",
            _ => throw ModelDockException.InvalidInput($"Output file '{outputPath}' must end in .parquet or .csv."),
        };
        var folder = Path.GetDirectoryName(Path.GetFullPath(outputPath));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        using var connection = OpenConnection();
        var query = Prepare(connection, entities, request, progress, cancellationToken);
        using var command = connection.CreateCommand();
        command.CommandText = $"COPY ({query}) TO {Sql.Literal(outputPath)} (FORMAT {format})";
        int rows;
        try
        {
            rows = command.ExecuteNonQuery();
        }
        catch (DuckDBException ex) when (SourceFailure.IsDataError(ex))
        {
            throw new ModelDockException(ErrorKind.InvalidInput, $"Cannot write '{outputPath}': {SourceFailure.Summary(ex, [])}", ex);
        }
        catch (DuckDBException ex)
        {
            throw SourceFailure.Internal($"Writing '{outputPath}'", ex, []);
        }

        progress?.Report(new RetrievalProgress("done", 1, 1));
        return rows;
    }

    private string Prepare(
        DuckDBConnection connection,
        EntityTable entities,
        HistoricalFeatureRequest request,
        IProgress<RetrievalProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entities);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Features.Count == 0)
        {
            throw ModelDockException.InvalidInput("No features were requested.");
        }

        var plan = new PointInTimeJoinPlan(request, this);
        var total = plan.Views.Count + 2;
        progress?.Report(new RetrievalProgress("reading entity rows", 0, total));
        var entityColumns = EntityLoader.Load(connection, entities);
        plan.CheckValueColumns(entityColumns);
        var (minTs, maxTs) = EntityLoader.TimestampRange(connection);
        for (var i = 0; i < plan.Views.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new RetrievalProgress($"joining {plan.Views[i].View.Name}", i + 1, total));
            plan.JoinView(connection, i, minTs, maxTs);
        }

        cancellationToken.ThrowIfCancellationRequested();
        progress?.Report(new RetrievalProgress("writing result", total - 1, total));
        return plan.FinalQuery();
    }

    private static DuckDBConnection OpenConnection()
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SET TimeZone = 'UTC'";
        command.ExecuteNonQuery();

        // The per-(keys, event timestamp) dedup is QUALIFY row_number() = 1. DuckDB 1.5's top_n_window_elimination
        // rewrites that into an arg_max aggregate, which fails over read_csv with a two-sided timestamp filter
        // (INTERNAL Error: Failed to cast expression to type). Without the rewrite every format runs the same plan.
        // The window costs a sort per row; the aggregate a hash entry per (keys, timestamp) group, so the window is
        // the cheaper one when such groups are mostly single rows, which is the usual source. Materializing the
        // pruned rows first would avoid the bug too, at the price of writing every row once more.
        command.CommandText = "SET disabled_optimizers = 'top_n_window_elimination'";
        command.ExecuteNonQuery();
        return connection;
    }
}
