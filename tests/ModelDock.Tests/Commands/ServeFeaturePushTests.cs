using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using DuckDB.NET.Data;
using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Features.Online;
using ModelDock.Features.Push;
using ModelDock.Features.Registry;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Tests.Commands;

public sealed class ServeFeaturePushTests : IDisposable
{
    private const int Clients = 8;
    private const int RowsPerPush = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempFolder _folder = new();

    // Write-ahead files are sealed every 200 ms, so the kill lands among appends, seals and compactions.
    private readonly Dictionary<string, string> _environment = new() { ["MODELDOCK__FEATURES__PUSH__OFFLINEROLLINTERVAL"] = "00:00:00.2" };

    private string DataDir => _folder.Combine("data");

    private string PushedFolder => Path.Combine(DataDir, "offline", "pushed", "driver_stats_source");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Serve_KilledWhileOfflinePushesAreAcknowledged_LosesNoAcknowledgedRowAndLeavesReadableFiles()
    {
        var repository = DriverFeatureRepository.Create(_folder.Path);
        ParquetRowWriter.Write(_folder.Combine("driver_stats.parquet"),
            [
                ("driver_id", FeatureValueType.Int64, [FeatureValue.FromInt64(-1)]),
                ("event_timestamp", FeatureValueType.UnixTimestamp, [FeatureValue.FromTimestamp(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))]),
                ("created", FeatureValueType.UnixTimestamp, [FeatureValue.Null]),
                ("conv_rate", FeatureValueType.Double, [FeatureValue.FromDouble(0)]),
                ("trips", FeatureValueType.Int64, [FeatureValue.FromInt64(0)]),
            ], 1);
        using (var registry = new FeatureRegistry(DataDir, TimeProvider.System))
        {
            registry.Apply(repository);
        }

        var acknowledged = new ConcurrentBag<long>();
        var port = LoopbackPorts.Free();
        using (var serve = Start(port))
        using (var http = await Readiness.WaitAsync(serve, port, Patience))
        {
            var next = 0L;
            var clients = Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
            {
                while (true)
                {
                    var first = Interlocked.Add(ref next, RowsPerPush) - RowsPerPush;
                    try
                    {
                        using var response = await http.PostAsync("push", Body(first));
                        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                        for (var id = first; id < first + RowsPerPush; id++)
                        {
                            acknowledged.Add(id);
                        }
                    }
                    catch (HttpRequestException)
                    {
                        return;
                    }
                }
            })).ToArray();

            for (var wait = 0; wait < 600 && acknowledged.Count < 1_500 && !serve.HasExited; wait++)
            {
                await Task.Delay(50);
            }

            serve.Kill();
            await Task.WhenAll(clients);
        }

        // What reached Parquet before the kill reads, and holds no row twice.
        var before = PushedRows();
        Assert.Equal(before.Count, before.Distinct().Count());
        Assert.True(acknowledged.Count >= 1_500, $"only {acknowledged.Count} rows were acknowledged before the kill");

        // The restarted server compacts what the killed one left before it listens.
        using (var restarted = Start(port))
        using (await Readiness.WaitAsync(restarted, port, Patience))
        {
            restarted.Kill();
        }

        var after = PushedRows();
        Assert.Equal(after.Count, after.Distinct().Count());
        Assert.Empty(acknowledged.Except(after));
        Assert.Empty(Directory.GetFiles(Path.Combine(DataDir, "offline", "push-log"), "*.wal"));
        var training = new OfflineStore(DataDir).GetHistoricalFeatures(
            EntityTable.FromRows(["driver_id", "event_timestamp"], [.. acknowledged.Select(id => new object?[] { id, new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc) })]),
            new HistoricalFeatureRequest(repository, [new FeatureReference("driver_stats", "trips")]));
        var (ids, trips) = (training.ColumnIndex("driver_id"), training.ColumnIndex("trips"));
        Assert.All(training.Rows, row => Assert.Equal(
            Convert.ToInt64(row[ids], CultureInfo.InvariantCulture) * 10, Convert.ToInt64(row[trips], CultureInfo.InvariantCulture)));
    }

    private ModelDockProcess Start(int port) =>
        ModelDockProcess.Start(_folder.Path, _environment, "serve", "--data-dir", DataDir, "--http-port", $"{port}", "--grpc-port", $"{LoopbackPorts.Free()}");

    private static StringContent Body(long first)
    {
        var ids = Enumerable.Range(0, RowsPerPush).Select(i => first + i).ToArray();
        var json = string.Create(CultureInfo.InvariantCulture, $$$"""
            {"feature_view": "driver_stats", "to": "offline", "df": {
              "driver_id": [{{{string.Join(",", ids)}}}],
              "event_timestamp": [{{{string.Join(",", ids.Select(_ => "\"2026-03-01T11:00:00Z\""))}}}],
              "conv_rate": [{{{string.Join(",", ids.Select(id => (id * 0.5).ToString(CultureInfo.InvariantCulture)))}}}],
              "trips": [{{{string.Join(",", ids.Select(id => id * 10))}}}]}}
            """);
        return new StringContent(json, Encoding.UTF8, "application/json");
    }

    /// <summary>Every driver id in the pushed Parquet files, once per row; reading them fails the test if any file is broken.</summary>
    private List<long> PushedRows()
    {
        if (!Directory.Exists(PushedFolder) || Directory.GetFiles(PushedFolder, "*.parquet").Length == 0)
        {
            return [];
        }

        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT driver_id FROM read_parquet('{Path.Combine(PushedFolder, "*.parquet")}', union_by_name = true)";
        using var reader = command.ExecuteReader();
        var ids = new List<long>();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }
}
