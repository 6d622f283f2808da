using System.Diagnostics.Metrics;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Features.Online;
using ModelDock.Registry;
using ModelDock.Server.Features;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Features;

/// <summary>
/// The whole server with a SQLite online store holding <see cref="RankingFeatures"/>: customers 1-5 and products 1-300
/// written 5 minutes before <see cref="Now"/>, product <see cref="StaleProduct"/> past the product TTL. It serves the
/// echo model as <c>ranker</c> (features declared, ctr defaulting), <c>ranker_strict</c> (ctr on_missing: fail),
/// <c>ranker_plain</c> (no declaration) and, from the registry, as endpoint <see cref="Endpoint"/>.
/// </summary>
public sealed class FeatureAssemblyHost : IAsyncLifetime
{
    public const string Endpoint = "ranker_endpoint";

    public const long StaleProduct = 500;

    public const long UnknownProduct = 999;

    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _folder = new();
    private GrpcChannel? _channel;

    public TestModelRepository Models { get; } = new();

    public ModelDockHost Host { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public GRPCInferenceService.GRPCInferenceServiceClient Grpc { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var store = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        await RankingFeatures.WriteAsync(store, Enumerable.Range(1, 5).Select(c => (long)c), Enumerable.Range(1, 300).Select(p => (long)p), Now.AddMinutes(-5));
        await RankingFeatures.WriteAsync(store, [], [StaleProduct], Now - RankingFeatures.ProductTtl - TimeSpan.FromMinutes(1));
        AddRanker("ranker", RankingFeatures.Config());
        AddRanker("ranker_strict", RankingFeatures.Config(ctr: "{feature: product_stats:ctr, on_missing: fail}"));
        Models.AddVersion("ranker_plain", 1, RankingFeatures.EchoModel());
        File.WriteAllText(Path.Combine(Models.Path, "ranker_plain", "config.yaml"), "max_batch_size: 256\n");

        var data = _folder.Combine("data");
        using (var storage = RegistryStorage.Local(data))
        {
            await storage.Registry.RegisterFolderAsync(Path.Combine(Models.Path, "ranker"), new RegistrationRequest("ranker", string.Empty), CancellationToken.None);
            await storage.Manager.CreateAsync(Endpoint, "test", CancellationToken.None);
            await storage.Manager.DeployAsync(Endpoint, "blue", "ranker:1", force: false, "test", CancellationToken.None);
            await storage.Manager.SetTrafficAsync(Endpoint, new Dictionary<string, int> { ["blue"] = 100 }, "test", CancellationToken.None);
        }

        Host = ModelDockHost.Create(
            o => (o.HttpPort, o.GrpcPort) = (0, 0),
            b =>
            {
                b.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = Models.Path).AddRegistryEndpoints(r => r.DataDir = data);
                b.Logging.ClearProviders();
                b.Services.AddSingleton<TimeProvider>(new ManualTimeProvider(Now));
                b.Services.AddFeatureServing(RankingFeatures.Create(_folder.Path), store, _folder.Path);
            },
            app => app.MapFeatureRoutes());
        await Host.StartAsync();
        Http = new HttpClient { BaseAddress = Host.HttpAddress };
        _channel = GrpcChannel.ForAddress(Host.GrpcAddress);
        Grpc = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
    }

    /// <summary>Writes a model folder with the echo model and <paramref name="config"/> as its config.yaml.</summary>
    public void AddRanker(string model, string config)
    {
        Models.AddVersion(model, 1, RankingFeatures.EchoModel());
        File.WriteAllText(Path.Combine(Models.Path, model, "config.yaml"), config);
    }

    /// <summary>The entity rows each online lookup of this host reads while <paramref name="action"/> runs, in order.</summary>
    public async Task<List<int>> LookupEntityRowsAsync(Func<Task> action)
    {
        var rows = new List<int>();
        var factory = Host.App.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "modeldock.feature.lookup.entities" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) =>
        {
            lock (rows)
            {
                rows.Add(value);
            }
        });
        listener.Start();
        await action();
        return rows;
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        _channel?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        Models.Dispose();
        _folder.Dispose();
    }
}
