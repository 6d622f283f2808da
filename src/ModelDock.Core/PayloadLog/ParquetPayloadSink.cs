using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using ModelDock.Features.Offline;
using ModelDock.Tensors;

namespace ModelDock.PayloadLog;

/// <summary>
/// Writes records to <c>&lt;data-dir&gt;/offline/payloads/&lt;model&gt;/&lt;yyyy-MM-dd&gt;/&lt;ticks&gt;-&lt;guid&gt;.parquet</c> through
/// DuckDB, next to the offline store's feature data. A file is written under a name readers' <c>*.parquet</c> globs do
/// not match and renamed when complete, so a crash leaves at most a stray <c>.partial</c> file, never a broken one.
/// Records with different tensors (a new version's signature) or days go to different files.
/// </summary>
internal sealed class ParquetPayloadSink(string dataDir, TimeProvider time) : IPayloadSink
{
    private const string Table = "payloads";
    private const string PartialExtension = ".partial";

    /// <summary>The folder of one model's payload files.</summary>
    public static string ModelFolder(string dataDir, string model) => Path.Combine(dataDir, "offline", "payloads", FolderName(model));

    public void Write(string model, IReadOnlyList<PayloadRecord> records)
    {
        var start = 0;
        for (var i = 1; i <= records.Count; i++)
        {
            if (i == records.Count || !SameFile(records[start], records[i]))
            {
                WriteFile(model, records, start, i - start);
                start = i;
            }
        }
    }

    /// <summary>
    /// A model or endpoint name as one folder name, the same on every OS: letters, digits, '-', '_' and '.' stay,
    /// anything else (a registry model's '/', say) becomes '%' and its hex code, as does a leading '.'.
    /// </summary>
    public static string FolderName(string model)
    {
        var name = new StringBuilder(model.Length);
        foreach (var rune in model.EnumerateRunes())
        {
            var keep = rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value is '-' or '_' or (int)'.');
            if (keep && !(name.Length == 0 && rune.Value == '.'))
            {
                name.Append((char)rune.Value);
            }
            else
            {
                name.Append('%').Append(rune.Value.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return name.Length == 0 ? "%" : name.ToString();
    }

    private void WriteFile(string model, IReadOnlyList<PayloadRecord> records, int start, int count)
    {
        var first = records[start];
        var folder = Path.Combine(ModelFolder(dataDir, model), first.Timestamp.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{time.GetUtcNow().UtcTicks.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}.parquet");
        var partial = path + PartialExtension;
        try
        {
            using (var connection = new DuckDBConnection("DataSource=:memory:"))
            {
                connection.Open();
                Execute(connection, "SET TimeZone = 'UTC'");
                Execute(connection, CreateTable(first));
                using (var appender = connection.CreateAppender(Table))
                {
                    for (var r = start; r < start + count; r++)
                    {
                        Append(appender.CreateRow(), records[r]);
                    }
                }

                Execute(connection, $"COPY (SELECT {Projection(first)} FROM {Table}) TO {Sql.Literal(partial)} (FORMAT PARQUET)");
            }

            File.Move(partial, path, overwrite: false);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static string CreateTable(PayloadRecord record)
    {
        var sql = new StringBuilder($"CREATE TABLE {Table} (request_id VARCHAR, timestamp TIMESTAMP, model VARCHAR, version VARCHAR, deployment VARCHAR, trace_id VARCHAR, latency_seconds DOUBLE, error VARCHAR");
        AddColumns(sql, record.Inputs, PayloadColumns.InputPrefix, PayloadColumns.InputShapePrefix);
        AddColumns(sql, record.Outputs, PayloadColumns.OutputPrefix, PayloadColumns.OutputShapePrefix);
        return sql.Append(')').ToString();
    }

    private static void AddColumns(StringBuilder sql, IReadOnlyList<Tensor> tensors, string prefix, string shapePrefix)
    {
        foreach (var tensor in tensors)
        {
            // The appender cannot put byte arrays into a list, so BYTES elements travel as hex and become BLOBs in the COPY.
            var element = tensor.DataType == DataType.Bytes ? "VARCHAR" : PayloadColumns.ElementType(tensor.DataType);
            sql.Append(", ").Append(Sql.Identifier(prefix + tensor.Name)).Append(' ').Append(element).Append("[]");
            sql.Append(", ").Append(Sql.Identifier(shapePrefix + tensor.Name)).Append(" BIGINT[]");
        }
    }

    /// <summary>Every column as written, hex-carried BYTES lists turned back into BLOB lists.</summary>
    private static string Projection(PayloadRecord record)
    {
        var replaced = new StringBuilder();
        foreach (var (prefix, tensors) in new[] { (PayloadColumns.InputPrefix, record.Inputs), (PayloadColumns.OutputPrefix, record.Outputs) })
        {
            foreach (var tensor in tensors)
            {
                if (tensor.DataType == DataType.Bytes)
                {
                    var id = Sql.Identifier(prefix + tensor.Name);
                    replaced.Append(", list_transform(").Append(id).Append(", h -> unhex(h)) AS ").Append(id);
                }
            }
        }

        return replaced.Length == 0 ? "*" : "* REPLACE (" + replaced.ToString()[2..] + ")";
    }

    private static void Append(IDuckDBAppenderRow row, PayloadRecord record)
    {
        row.AppendValue(record.RequestId)
            .AppendValue(record.Timestamp.UtcDateTime)
            .AppendValue(record.Model)
            .AppendValue(record.Version)
            .AppendValue(record.Deployment)
            .AppendValue(record.TraceId)
            .AppendValue(record.LatencySeconds)
            .AppendValue(record.Error);
        AppendTensors(row, record.Inputs);
        AppendTensors(row, record.Outputs);
        row.EndRow();
    }

    private static void AppendTensors(IDuckDBAppenderRow row, IReadOnlyList<Tensor> tensors)
    {
        foreach (var tensor in tensors)
        {
            AppendList(row, PayloadColumns.Values(tensor));
            row.AppendValue<long>(tensor.Shape);
        }
    }

    private static void AppendList(IDuckDBAppenderRow row, object values)
    {
        switch (values)
        {
            case bool[] v: row.AppendValue<bool>(v); break;
            case byte[] v: row.AppendValue<byte>(v); break;
            case ushort[] v: row.AppendValue<ushort>(v); break;
            case uint[] v: row.AppendValue<uint>(v); break;
            case ulong[] v: row.AppendValue<ulong>(v); break;
            case sbyte[] v: row.AppendValue<sbyte>(v); break;
            case short[] v: row.AppendValue<short>(v); break;
            case int[] v: row.AppendValue<int>(v); break;
            case long[] v: row.AppendValue<long>(v); break;
            case float[] v: row.AppendValue<float>(v); break;
            case double[] v: row.AppendValue<double>(v); break;
            default: row.AppendValue(((List<byte[]>)values).ConvertAll(Convert.ToHexString)); break;
        }
    }

    /// <summary>Records share a file when they fall on the same day and carry the same tensors with the same datatypes.</summary>
    private static bool SameFile(PayloadRecord a, PayloadRecord b) =>
        a.Timestamp.UtcDateTime.Date == b.Timestamp.UtcDateTime.Date && SameTensors(a.Inputs, b.Inputs) && SameTensors(a.Outputs, b.Outputs);

    private static bool SameTensors(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (a[i].Name != b[i].Name || PayloadColumns.ElementType(a[i].DataType) != PayloadColumns.ElementType(b[i].DataType))
            {
                return false;
            }
        }

        return true;
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
