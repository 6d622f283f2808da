using System.Globalization;
using System.Text.Json;
using ModelDock.Cli;
using ModelDock.Features.Online;
using ModelDock.Features.Registry;
using ModelDock.Onnx;
using ModelDock.Tensors;
using Xunit;

namespace ModelDock.Tests.Commands;

/// <summary>
/// <c>features check-skew</c> as a user runs it, on the sample repository <c>features init</c> writes and a model
/// that reads <c>driver_stats</c> by key: identical after materializing, and exactly the feature an online-only write changed.
/// </summary>
public sealed class FeaturesCheckSkewCommandTests : IDisposable
{
    private const string At = "2026-02-01T00:00:00Z";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly Dictionary<string, string> NoEnvironment = [];

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("modeldock-skew-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task CheckSkew_MaterializedUpToAt_ExitsOkSayingNoSkew()
    {
        await PrepareAsync();

        var (code, output, errors) = await RunAsync(CheckSkew());

        Assert.True(code == ExitCodes.Ok, $"exited {code}: {output} {errors}");
        Assert.Contains("no skew: 3 rows x 2 features are identical offline and online", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckSkew_OnlineOnlyWrite_ReportsExactlyThatFeatureAndExitsSkewFound()
    {
        await PrepareAsync();
        var dataDir = Path.Combine(_folder.FullName, "modeldock-data");
        using (var registry = new FeatureRegistry(dataDir, TimeProvider.System))
        await using (var store = SqliteOnlineStore.Open(SqliteOnlineStore.PathIn(dataDir)))
        {
            // Keep acc_rate as materialized, so conv_rate is the one feature that differs.
            var key = FeatureValue.FromInt64(1002);
            var current = await new OnlineFeatureService(registry.GetRepository()!, store, TimeProvider.System).GetOnlineFeaturesAsync(
                OnlineFeaturesRequest.ForFeatures(["driver_stats:acc_rate"], [new ValueColumn("driver_id", [key])]), CancellationToken.None);
            await store.WriteAsync(
                "driver_stats",
                ["conv_rate", "acc_rate"],
                [new OnlineWriteRow(EntityKey.Create("driver_id", key), [FeatureValue.FromDouble(0.125), current.GetValue(1, 0)], DateTimeOffset.Parse(At, CultureInfo.InvariantCulture))],
                CancellationToken.None);
        }

        var (code, output, errors) = await RunAsync([.. CheckSkew(), "--json"]);

        Assert.True(code == ExitCodes.SkewFound, $"exited {code}: {output} {errors}");
        using var json = JsonDocument.Parse(output);
        var difference = Assert.Single(json.RootElement.GetProperty("Differences").EnumerateArray());
        Assert.Equal("driver_id=1002", difference.GetProperty("EntityKey").GetString());
        Assert.Equal("dense", difference.GetProperty("Input").GetString());
        Assert.Equal("driver_stats:conv_rate", difference.GetProperty("Feature").GetString());
        Assert.Equal("0.125", difference.GetProperty("OnlineValue").GetString());
        Assert.NotEqual("0.125", difference.GetProperty("OfflineValue").GetString());
    }

    [Fact]
    public async Task CheckSkew_EntityFileWithoutTheKeyColumn_UsageErrorNamingTheColumn()
    {
        await PrepareAsync();
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "entities.csv"), "customer\n1\n");

        var (code, _, errors) = await RunAsync(CheckSkew());

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("no column 'driver_id'", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
    }

    private static string[] CheckSkew() =>
        ["features", "check-skew", "--model", "driver_model", "--model-repository", "models", "--entities", "entities.csv", "--at", At];

    /// <summary>The sample features applied and materialized to <see cref="At"/>, a model reading them by driver and an entity file of three drivers.</summary>
    private async Task PrepareAsync()
    {
        await OkAsync("features", "init", "repo");
        await OkAsync("features", "apply", "repo");
        await OkAsync("features", "materialize", "--start", "2026-01-01T00:00:00Z", "--end", At);
        var model = Directory.CreateDirectory(Path.Combine(_folder.FullName, "models", "driver_model", "1"));
        await File.WriteAllBytesAsync(
            Path.Combine(model.FullName, "model.onnx"),
            new OnnxModelBuilder("driver_model")
                .AddInput("dense", DataType.Fp32, -1, 2)
                .AddOutput("score", DataType.Fp32, -1, 2)
                .AddNode("Identity", ["dense"], ["score"])
                .Build());
        await File.WriteAllTextAsync(Path.Combine(model.Parent!.FullName, "config.yaml"), """
            max_batch_size: 64
            modeldock:
              features:
                service: driver_activity
                entities:
                  - {input: driver_id, entity: driver, datatype: INT64}
                inputs:
                  - name: dense
                    datatype: FP32
                    features: [driver_stats:conv_rate, driver_stats:acc_rate]
            """);
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "entities.csv"), "driver_id\n1001\n1002\n1003\n");
    }

    private async Task OkAsync(params string[] args)
    {
        var (code, output, errors) = await RunAsync(args);
        Assert.True(code == ExitCodes.Ok, $"modeldock {string.Join(' ', args)} exited {code}: {output} {errors}");
    }

    private async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var process = ModelDockProcess.Start(_folder.FullName, NoEnvironment, args);
        var code = await process.WaitForExitAsync(Patience);
        return (code, process.Output, process.Errors);
    }
}
