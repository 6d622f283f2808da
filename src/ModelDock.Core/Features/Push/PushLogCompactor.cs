using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Features.Online;

namespace ModelDock.Features.Push;

/// <summary>
/// Turns a sealed write-ahead file into Parquet in the pushed folders historical retrieval reads: one file per source
/// (and column set) it holds, named after the write-ahead file, which is deleted once they are all on disk. Compacting
/// the same write-ahead file again, after a crash between the two steps, finds its Parquet files there and writes no
/// row twice.
/// </summary>
internal sealed class PushLogCompactor(OfflineStore offline)
{
    /// <summary>Compacts <paramref name="walPath"/>; returns the bytes at its end that held no complete record.</summary>
    public long Compact(string walPath)
    {
        var (payloads, ignored) = PushLogFile.Read(File.ReadAllBytes(walPath));
        var groups = new List<(string Key, List<PushLogRecord> Records)>();
        foreach (var payload in payloads)
        {
            var record = PushLogRecord.Decode(payload);
            var key = record.Source + "\n" + string.Join("\n", record.Columns.Select(c => $"{c.Name}:{c.Type}"));
            var group = groups.FindIndex(g => g.Key == key);
            if (group < 0)
            {
                groups.Add((key, [record]));
            }
            else
            {
                groups[group].Records.Add(record);
            }
        }

        var name = Path.GetFileNameWithoutExtension(walPath);
        for (var g = 0; g < groups.Count; g++)
        {
            var records = groups[g].Records;
            var path = Path.Combine(offline.GetPushedFolder(records[0].Source), $"{name}-{g}.parquet");
            if (!File.Exists(path))
            {
                ParquetRowWriter.Write(path, Merge(records), records.Sum(r => r.Rows));
            }
        }

        File.Delete(walPath);
        return ignored;
    }

    private static (string Name, FeatureValueType Type, FeatureValue[] Values)[] Merge(List<PushLogRecord> records)
    {
        var first = records[0];
        var total = records.Sum(r => r.Rows);
        var columns = new (string, FeatureValueType, FeatureValue[])[first.Columns.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            var values = new FeatureValue[total];
            var at = 0;
            foreach (var record in records)
            {
                Array.Copy(record.Columns[c].Values, 0, values, at, record.Rows);
                at += record.Rows;
            }

            columns[c] = (first.Columns[c].Name, first.Columns[c].Type, values);
        }

        return columns;
    }
}
