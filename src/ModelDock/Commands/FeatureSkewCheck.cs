using System.Globalization;
using System.Runtime.InteropServices;
using DuckDB.NET.Data;
using ModelDock.Errors;
using ModelDock.Features.Assembly;
using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Features.Online;
using ModelDock.Tensors;

namespace ModelDock.Cli.Commands;

/// <summary>
/// Training/serving skew of one model: for each entity row, the inputs historical retrieval gives at the row's time and
/// the inputs the online store gives read at that time, both built by <see cref="AssembledInputs"/> as the server builds
/// them, compared element by element. A difference means training data and serving disagree (materialization behind,
/// a push only online, changed source data).
/// </summary>
internal static class FeatureSkewCheck
{
    /// <summary>Rows per online read, below the online service's own per-request limit.</summary>
    private const int OnlineChunk = 1000;

    public static async Task<FeatureSkewReport> RunAsync(
        FeatureAssemblyPlan plan, FeatureRepository serviceDefinitions, IOnlineStore store, string dataDir, string entitiesPath, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var entities = ReadEntities(entitiesPath, at);
        var history = new OfflineStore(dataDir).GetHistoricalFeatures(entities, HistoricalInputs.Request(plan, serviceDefinitions), cancellationToken: cancellationToken);
        var offlineMissing = new HashSet<(int Row, string Input, FeatureReference Feature)>();
        var offline = HistoricalInputs.Build(plan, serviceDefinitions, history, m => offlineMissing.Add((m.Row, m.Input.Name, m.Feature.Reference)));

        var keys = plan.Entities.Select(e => KeyColumn(history, e)).ToArray();
        var times = history.Rows.Select(r => Timestamp(r[history.ColumnIndex(EntityTable.TimestampColumn)])).ToArray();
        var onlineMissing = new Dictionary<(int Row, string Input, FeatureReference Feature), FeatureStatus>();
        var online = plan.Inputs.Select(i => new byte[offline.First(t => t.Name == i.Name).Data.Length]).ToArray();
        foreach (var chunk in Chunks(times))
        {
            var reads = await ReadAsync(plan, store, keys, chunk.Rows, chunk.At, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < plan.Inputs.Count; i++)
            {
                var input = plan.Inputs[i];
                var tensor = AssembledInputs.Build(
                    input,
                    chunk.Rows.Count,
                    (r, feature) =>
                    {
                        var read = reads[feature.Group];
                        var status = read.GetStatus(read.JoinKeyCount + feature.Column, r);
                        return new FeatureCell(status, status == FeatureStatus.Present ? read.GetValue(read.JoinKeyCount + feature.Column, r) : default);
                    },
                    m => onlineMissing[(chunk.Rows[m.Row], input.Name, m.Feature.Reference)] = m.Status);
                var rowBytes = input.Width * input.DataType.ElementSize();
                for (var r = 0; r < chunk.Rows.Count; r++)
                {
                    tensor.Data.Span.Slice(r * rowBytes, rowBytes).CopyTo(online[i].AsSpan(chunk.Rows[r] * rowBytes));
                }
            }
        }

        var differences = new List<FeatureSkew>();
        for (var i = 0; i < plan.Inputs.Count; i++)
        {
            var input = plan.Inputs[i];
            var size = input.DataType.ElementSize();
            var offlineData = offline[i].Data.Span;
            for (var row = 0; row < history.Rows.Count; row++)
            {
                for (var f = 0; f < input.Features.Count; f++)
                {
                    var feature = input.Features[f].Reference;
                    var offset = ((row * input.Width) + f) * size;
                    var offlineValue = offlineMissing.Contains((row, input.Name, feature)) ? "missing" : Format(input.DataType, offlineData.Slice(offset, size));
                    var onlineValue = onlineMissing.TryGetValue((row, input.Name, feature), out var status)
                        ? $"missing ({status.ToWireName()})"
                        : Format(input.DataType, online[i].AsSpan(offset, size));
                    if (offlineValue != onlineValue)
                    {
                        differences.Add(new FeatureSkew(row, Describe(plan, keys, row), input.Name, feature.ToString(), offlineValue, onlineValue));
                    }
                }
            }
        }

        return new FeatureSkewReport(history.Rows.Count, plan.Inputs.Sum(i => i.Features.Count), differences);
    }

    /// <summary>The entity file's rows, with <c>event_timestamp</c> set to <paramref name="at"/> when the file has none.</summary>
    private static EntityTable ReadEntities(string path, DateTimeOffset at)
    {
        var probe = EntityTable.FromFile(path);
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {Sql.ReadFiles([probe.Path!])}";
        var columns = new List<string>();
        var rows = new List<object?[]>();
        try
        {
            using var reader = command.ExecuteReader();
            columns.AddRange(Enumerable.Range(0, reader.FieldCount).Select(reader.GetName));
            while (reader.Read())
            {
                var row = new object?[columns.Count];
                for (var c = 0; c < row.Length; c++)
                {
                    row[c] = reader.IsDBNull(c) ? null : reader.GetValue(c);
                }

                rows.Add(row);
            }
        }
        catch (DuckDBException e)
        {
            throw new ModelDockException(ErrorKind.InvalidInput, $"The entity file '{path}' cannot be read: {SourceFailure.Summary(e, [path])}", e);
        }

        if (columns.Contains(EntityTable.TimestampColumn))
        {
            return EntityTable.FromRows(columns, rows);
        }

        var time = at.UtcDateTime;
        return EntityTable.FromRows([.. columns, EntityTable.TimestampColumn], [.. rows.Select(r => (object?[])[.. r, time])]);
    }

    private static FeatureValue[] KeyColumn(HistoricalFeatureResult history, PlannedEntity entity)
    {
        int column;
        try
        {
            column = history.ColumnIndex(entity.JoinKey.Name);
        }
        catch (ArgumentException)
        {
            throw ModelDockException.InvalidInput($"The entity file has no '{entity.JoinKey.Name}' column, the key of entity '{entity.Entity}' (input '{entity.Input}'); columns are: {string.Join(", ", history.Columns)}.");
        }

        var keys = new FeatureValue[history.Rows.Count];
        for (var r = 0; r < keys.Length; r++)
        {
            var value = history.Rows[r][column]
                ?? throw ModelDockException.InvalidInput($"Row {r + 1} of the entity file has no '{entity.JoinKey.Name}'.");
            keys[r] = entity.JoinKey.ValueType switch
            {
                FeatureValueType.String => FeatureValue.FromString(Convert.ToString(value, CultureInfo.InvariantCulture)!),
                _ when value is string => throw ModelDockException.InvalidInput($"Row {r + 1} of the entity file has '{entity.JoinKey.Name}' \"{value}\", which is not an integer."),
                FeatureValueType.Int32 => FeatureValue.FromInt32(Convert.ToInt32(value, CultureInfo.InvariantCulture)),
                _ => FeatureValue.FromInt64(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
            };
        }

        return keys;
    }

    private static DateTimeOffset Timestamp(object? value) => value switch
    {
        DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)),
        DateTimeOffset time => time,
        _ => throw ModelDockException.InvalidInput($"The entity file's '{EntityTable.TimestampColumn}' column holds {value ?? "null"}, which is not a timestamp."),
    };

    /// <summary>Rows grouped by time, at most <see cref="OnlineChunk"/> per read: the online store is read as of each row's time.</summary>
    private static IEnumerable<(DateTimeOffset At, List<int> Rows)> Chunks(DateTimeOffset[] times) =>
        times.Select((at, row) => (at, row))
            .GroupBy(x => x.at)
            .SelectMany(g => g.Select(x => x.row).Chunk(OnlineChunk).Select(rows => (g.Key, rows.ToList())));

    private static async Task<OnlineFeaturesResponse[]> ReadAsync(
        FeatureAssemblyPlan plan, IOnlineStore store, FeatureValue[][] keys, List<int> rows, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var service = new OnlineFeatureService(plan.Definitions, store, new FixedTime(at));
        var reads = new OnlineFeaturesResponse[plan.Groups.Count];
        for (var g = 0; g < reads.Length; g++)
        {
            var group = plan.Groups[g];
            var entity = plan.Entities[group.Entity];
            var request = OnlineFeaturesRequest.ForFeatures(
                group.Features, [new ValueColumn(entity.JoinKey.Name, [.. rows.Select(r => keys[group.Entity][r])])], fullFeatureNames: true);
            reads[g] = await service.GetOnlineFeaturesAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return reads;
    }

    private static string Describe(FeatureAssemblyPlan plan, FeatureValue[][] keys, int row) =>
        string.Join(", ", plan.Entities.Select((e, i) => $"{e.JoinKey.Name}={keys[i][row]}"));

    /// <summary>An element as the model receives it, in a form that round-trips (so two values print alike only when equal).</summary>
    private static string Format(DataType type, ReadOnlySpan<byte> element) => type switch
    {
        DataType.Fp32 => MemoryMarshal.Read<float>(element).ToString("R", CultureInfo.InvariantCulture),
        DataType.Fp64 => MemoryMarshal.Read<double>(element).ToString("R", CultureInfo.InvariantCulture),
        DataType.Int64 => MemoryMarshal.Read<long>(element).ToString(CultureInfo.InvariantCulture),
        DataType.Int32 => MemoryMarshal.Read<int>(element).ToString(CultureInfo.InvariantCulture),
        _ => element[0] != 0 ? "true" : "false",
    };

    /// <summary>The online store read as of an entity row's time, so TTLs expire as they would have for a request then.</summary>
    private sealed class FixedTime(DateTimeOffset at) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => at;
    }
}

/// <summary>What <see cref="FeatureSkewCheck"/> found: every element of the model's assembled inputs that differs.</summary>
internal sealed record FeatureSkewReport(int Rows, int FeaturesPerRow, IReadOnlyList<FeatureSkew> Differences);

/// <summary>One feature of one entity row whose offline (training) and online (serving) values differ.</summary>
/// <param name="Row">The entity file's row, from 0.</param>
internal sealed record FeatureSkew(int Row, string EntityKey, string Input, string Feature, string OfflineValue, string OnlineValue);
