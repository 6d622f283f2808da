using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Fuzz.Engine;
using ModelDock.Server.Features;
using ModelDock.Server.Hosting;

namespace ModelDock.Fuzz.Targets;

/// <summary>
/// <c>appsettings.json</c> as <c>modeldock serve</c> reads it (environment variables reach the same binder as text):
/// building the host must either succeed or fail with a <see cref="ModelDockException"/> naming the setting, which
/// <c>serve</c> prints as one line with exit code 2. Anything else would be a stack trace for an operator's typo.
/// </summary>
internal sealed class ServerSettingsTarget : IFuzzTarget
{
    private const string Json = """
        {
          "Logging": {"LogLevel": {"Default": "Information", "Microsoft.AspNetCore": "Warning"}},
          "ModelDock": {
            "Host": "127.0.0.1", "HttpPort": 0, "GrpcPort": 0,
            "MaxRequestBodyBytes": 67108864, "GrpcMaxMessageBytes": 67108864, "MaxInflightRequestBytes": 268435456,
            "MaxConcurrentInferences": 256, "MaxQueuedInferences": 4096, "MaxModelUploadBytes": 1073741824, "RequireAuth": false,
            "ModelRepository": {"RepositoryPath": "models", "PollInterval": "00:00:05", "StrictReadiness": true},
            "Metrics": {"Enabled": true, "AspNetCore": false},
            "Otlp": {"Endpoint": "http://127.0.0.1:4317", "Protocol": "grpc"},
            "AzureMonitor": {"ConnectionString": "InstrumentationKey=00000000-0000-0000-0000-000000000000"},
            "PayloadLog": {"DefaultSampleRate": 0, "Models": {"mlp": {"SampleRate": 5}}, "MaxBufferedRecords": 100, "RollInterval": "00:01:00"},
            "Features": {"MaxEntityRows": 10000, "RowCacheMaxAge": "00:00:01", "RowCacheCapacity": 100000, "Push": {"MaxEventTimeSkew": "00:05:00", "OfflineRollInterval": "00:00:10", "OfflineRollBytes": 16777216}}
          }
        }
        """;

    public string Name => "server-settings";

    public double Share => 0.2;

    public int Parallelism => 2;

    public FuzzInput Generate(Random random)
    {
        var bytes = Encoding.UTF8.GetBytes(random.Next(4) == 0 ? Json : JsonMutator.Mutate(Json, random));
        if (random.Next(4) == 0)
        {
            bytes = ByteMutator.Mutate(bytes, random, []);
        }

        return FuzzInput.File(Name, "appsettings.json", bytes);
    }

    public async Task<Outcome> RunAsync(FuzzInput input, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("modeldock-fuzz-settings-");
        var store = SqliteOnlineStore.Open(Path.Combine(folder.FullName, "online.db"));
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(folder.FullName, "appsettings.json"), input.Body, cancellationToken);
            await using var host = ModelDockHost.Create(
                configureBuilder: builder =>
                {
                    builder.Logging.ClearProviders();
                    builder.Services.AddModelDock().AddModelRepository().AddPayloadLog(payloads => payloads.DataDir = folder.FullName);
                    builder.Services.AddFeatureServing(new FeatureRepository(folder.FullName, [], [], [], []), store, folder.FullName);
                },
                contentRoot: folder.FullName);
            return new Outcome("valid");
        }
        catch (ModelDockException)
        {
            return new Outcome("ModelDockException");
        }
        finally
        {
            // The host disposes the store once built; a host that failed to build never took it.
            await store.DisposeAsync();
            folder.Delete(recursive: true);
        }
    }
}
