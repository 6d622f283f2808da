using ModelDock.Cli;
using Xunit;

namespace ModelDock.Tests.Commands;

/// <summary>
/// <c>modeldock features history</c> over a CSV source with a TTL and a created-timestamp column, as a user runs it:
/// it writes the training file, and a bad value in the source is one line naming it with the code for input errors.
/// </summary>
public sealed class FeaturesHistoryCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("modeldock-history-");

    [Fact]
    public async Task History_CsvSourceWithTtlAndCreatedColumn_WritesLatestRowPerEntity()
    {
        WriteRepository("""
            driver_id,event_timestamp,created,conv_rate
            1,2026-03-01 12:00:00,2026-03-01 12:00:00,0.25
            1,2026-03-01 12:10:00,2026-03-01 12:12:00,0.5
            1,2026-03-01 12:10:00,2026-03-01 12:11:00,0.4
            """);

        var (code, _, errors) = await HistoryAsync();

        Assert.True(code == ExitCodes.Ok, errors);
        Assert.Equal(
            ["driver_id,event_timestamp,conv_rate", "1,2026-03-01 12:05:00,0.25", "1,2026-03-01 12:15:00,0.5", "1,2026-03-01 13:11:00,", "2,2026-03-01 12:15:00,"],
            File.ReadAllLines(Path.Combine(_folder.FullName, "train.csv")));
    }

    [Fact]
    public async Task History_CsvValueNotANumber_OneLineNamingColumnAndUsageCode()
    {
        WriteRepository("""
            driver_id,event_timestamp,created,conv_rate
            1,2026-03-01 12:00:00,2026-03-01 12:00:00,0.25
            1,2026-03-01 12:10:00,2026-03-01 12:12:00,unknown
            """);

        var (code, _, errors) = await HistoryAsync();

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal(
            "modeldock: Source 'stats' of feature view 'driver_stats', file 'stats.csv': column 'conv_rate' (VARCHAR) holds 'unknown', " +
            "which is not a DOUBLE as feature 'conv_rate' of feature view 'driver_stats' declares.",
            errors.Trim());
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private void WriteRepository(string sourceCsv)
    {
        var repo = Directory.CreateDirectory(Path.Combine(_folder.FullName, "repo")).FullName;
        File.WriteAllText(Path.Combine(repo, "stats.csv"), sourceCsv + "\n");
        File.WriteAllText(Path.Combine(repo, "repo.yaml"), """
            entities:
              - name: driver
                join_keys: [driver_id]
                value_type: INT64
            sources:
              - name: stats
                path: stats.csv
                timestamp_field: event_timestamp
                created_timestamp_column: created
            feature_views:
              - name: driver_stats
                entities: [driver]
                ttl: 1h
                source: stats
                schema:
                  - name: conv_rate
                    dtype: DOUBLE
            """);
        File.WriteAllText(Path.Combine(_folder.FullName, "entities.csv"), """
            driver_id,event_timestamp
            1,2026-03-01 12:05:00
            1,2026-03-01 12:15:00
            1,2026-03-01 13:11:00
            2,2026-03-01 12:15:00

            """);
    }

    private async Task<(int Code, string Output, string Errors)> HistoryAsync()
    {
        var (applyCode, _, applyErrors) = await RunAsync("features", "apply", "repo");
        Assert.True(applyCode == ExitCodes.Ok, applyErrors);
        return await RunAsync("features", "history", "--entities", "entities.csv", "--features", "driver_stats:conv_rate", "--out", "train.csv");
    }

    private async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var process = ModelDockProcess.Start(_folder.FullName, new Dictionary<string, string>(), [.. args, "--data-dir", "data"]);
        var code = await process.WaitForExitAsync(Patience);
        return (code, process.Output, process.Errors);
    }
}
