using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Features.Online;
using ModelDock.Onnx;
using ModelDock.Server.Features;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Testing;
using ModelDock.Testing.Features;

namespace ModelDock.Server.Tests.Observability;

/// <summary>
/// A real host serving one batched MLP under a name of its own (metrics of other hosts in the process carry other
/// names) and, when asked, the driver feature repository on a SQLite online store.
/// </summary>
internal sealed class MetricsHost : IAsyncDisposable
{
    private readonly TestModelRepository _repository;
    private readonly TempFolder _features;

    private MetricsHost(string model, ModelDockHost host, TestModelRepository repository, TempFolder features)
    {
        _repository = repository;
        _features = features;
        Model = model;
        Host = host;
        Http = new HttpClient { BaseAddress = host.HttpAddress };
    }

    public string Model { get; }

    public ModelDockHost Host { get; }

    public HttpClient Http { get; }

    /// <param name="brokenModel">Also a model whose only version is not ONNX, so its load fails.</param>
    public static async Task<MetricsHost> StartAsync(string model, IDictionary<string, string?>? settings = null, bool features = false, bool brokenModel = false)
    {
        var folder = new TempFolder();
        var repository = new TestModelRepository();
        repository.AddVersion(model, 1, DemoModels.Mlp([4, 3], seed: 11).Onnx);
        if (brokenModel)
        {
            repository.AddVersion(model + "_broken", 1, [1, 2, 3]);
        }

        repository.WriteConfig(model, """{"max_batch_size": 8, "dynamic_batching": {}}""");
        var host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b =>
        {
            b.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
            b.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = repository.Path);
            if (features)
            {
                b.Services.AddFeatureServing(DriverFeatureRepository.Create(folder.Path), SqliteOnlineStore.Open(folder.Combine("online.db")), folder.Path);
            }

            b.Logging.ClearProviders();
        }, app =>
        {
            if (features)
            {
                app.MapFeatureRoutes();
            }
        });
        await host.StartAsync();
        return new MetricsHost(model, host, repository, folder);
    }

    public Task<RestResult> InferAsync(int rows = 1, string? model = null, int width = 4)
    {
        var data = string.Join(",", Enumerable.Repeat("0.5", rows * width));
        return Http.PostJsonAsync(
            $"v2/models/{model ?? Model}/infer",
            $$"""{"inputs":[{"name":"input","datatype":"FP32","shape":[{{rows}},{{width}}],"data":[{{data}}]}]}""");
    }

    /// <summary>Pushes one driver_stats row with the given event time to the online store, then reads two drivers' features.</summary>
    public async Task PushAndLookUpAsync(DateTimeOffset eventTime)
    {
        using var push = await Http.PostAsync("push", new StringContent(
            $$$"""
            {"feature_view": "driver_stats", "to": "online",
             "df": {"driver_id": [7], "event_timestamp": ["{{{eventTime:yyyy-MM-ddTHH:mm:ssZ}}}"], "conv_rate": [0.25], "trips": [2]}}
            """, System.Text.Encoding.UTF8, "application/json"));
        push.EnsureSuccessStatusCode();
        using var read = await Http.PostAsync("get-online-features", new StringContent(
            """{"features": ["driver_stats:conv_rate"], "entities": {"driver_id": [7, 8]}}""", System.Text.Encoding.UTF8, "application/json"));
        read.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        _repository.Dispose();
        _features.Dispose();
    }
}

/// <summary>What one host's <c>ModelDock</c> meter records, through a <see cref="MeterListener"/> limited to that host's meters.</summary>
internal sealed class RecordedMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();

    public RecordedMeasurements(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "ModelDock" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Add(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Add(i, value, tags));
        _listener.Start();
    }

    public ConcurrentQueue<Measured> All { get; } = new();

    public IReadOnlyList<Measured> Of(string instrument) => [.. All.Where(m => m.Instrument == instrument)];

    public void Observe() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            labels[tag.Key] = tag.Value?.ToString() ?? string.Empty;
        }

        All.Enqueue(new Measured(instrument.Name, value, labels));
    }
}

internal sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, string> Labels)
{
    public string? this[string label] => Labels.GetValueOrDefault(label);
}
