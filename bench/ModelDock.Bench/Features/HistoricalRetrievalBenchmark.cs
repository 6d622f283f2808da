using System.Diagnostics;
using System.Globalization;
using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Features.Samples;

namespace ModelDock.Bench.Features;

/// <summary>
/// Times a point-in-time retrieval of <c>entityRows</c> rows against two feature views whose sources hold
/// <c>sourceRows</c> rows each, written to Parquet; the data is generated first (and timed separately).
/// CPU time is printed next to wall time because a shared machine inflates wall time.
/// </summary>
internal static class HistoricalRetrievalBenchmark
{
    private static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static void Run(string workDir, long entityRows, long sourceRows, long keys, TextWriter output)
    {
        var repo = Path.Combine(workDir, "repo");
        Directory.CreateDirectory(repo);
        var clock = Stopwatch.StartNew();
        SampleFeatureData.WriteSource(Path.Combine(repo, "driver_stats.parquet"), sourceRows, keys, "driver_id", ["conv_rate", "acc_rate"], Start, TimeSpan.FromDays(30), seed: 1);
        SampleFeatureData.WriteSource(Path.Combine(repo, "customer_stats.parquet"), sourceRows, keys, "customer_id", ["spend", "visits"], Start, TimeSpan.FromDays(30), seed: 100);
        SampleFeatureData.WriteEntityRows(Path.Combine(workDir, "entities.parquet"), entityRows, ["driver_id", "customer_id"], keys, Start, TimeSpan.FromDays(30), seed: 7);
        var generated = clock.Elapsed;
        File.WriteAllText(Path.Combine(repo, "repo.yaml"), """
            entities:
              - name: driver
                join_keys: [driver_id]
                value_type: INT64
              - name: customer
                join_keys: [customer_id]
                value_type: INT64
            sources:
              - name: driver_source
                path: driver_stats.parquet
                timestamp_field: event_timestamp
                created_timestamp_column: created
              - name: customer_source
                path: customer_stats.parquet
                timestamp_field: event_timestamp
                created_timestamp_column: created
            feature_views:
              - name: driver_stats
                entities: [driver]
                ttl: 7d
                source: driver_source
                schema:
                  - {name: conv_rate, dtype: DOUBLE}
                  - {name: acc_rate, dtype: DOUBLE}
              - name: customer_stats
                entities: [customer]
                ttl: 0
                source: customer_source
                schema:
                  - {name: spend, dtype: DOUBLE}
                  - {name: visits, dtype: DOUBLE}
            """);
        var repository = FeatureRepositoryLoader.Load(repo).GetRepositoryOrThrow();
        var store = new OfflineStore(Path.Combine(workDir, "data"));
        var request = new HistoricalFeatureRequest(repository, repository.ResolveFeatures(["driver_stats", "customer_stats"]));

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        clock.Restart();
        var stages = new StageTimer(clock, output);
        var rows = store.ExportHistoricalFeatures(
            EntityTable.FromFile(Path.Combine(workDir, "entities.parquet")), request, Path.Combine(workDir, "train.parquet"), stages);
        var retrieval = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"historical retrieval: {entityRows:N0} entity rows x 2 views x {sourceRows:N0} source rows each ({keys:N0} keys): " +
            $"{retrieval.TotalSeconds:F2} s wall, {cpu.TotalSeconds:F2} s CPU ({rows:N0} rows written); data generation {generated.TotalSeconds:F2} s"));
    }

    /// <summary>Prints when each stage starts, to show where the time goes.</summary>
    private sealed class StageTimer(Stopwatch clock, TextWriter output) : IProgress<RetrievalProgress>
    {
        public void Report(RetrievalProgress value) =>
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {clock.Elapsed.TotalSeconds,7:F2} s  {value.Stage}"));
    }
}
