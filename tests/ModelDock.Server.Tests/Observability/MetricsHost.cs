using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Onnx;
using ModelDock.Server.Hosting;
using ModelDock.Server.Tests.Infrastructure;
using ModelDock.Testing;

namespace ModelDock.Server.Tests.Observability;

/// <summary>A real host serving one batched MLP under a name of its own (metrics of other hosts in the process carry other names).</summary>
internal sealed class MetricsHost : IAsyncDisposable
{
    private readonly TestModelRepository _repository;

    private MetricsHost(string model, ModelDockHost host, TestModelRepository repository)
    {
        _repository = repository;
        Model = model;
        Host = host;
        Http = new HttpClient { BaseAddress = host.HttpAddress };
    }

    public string Model { get; }

    public ModelDockHost Host { get; }

    public HttpClient Http { get; }

    public static async Task<MetricsHost> StartAsync(string model, IDictionary<string, string?>? settings = null)
    {
        var repository = new TestModelRepository();
        repository.AddVersion(model, 1, DemoModels.Mlp([4, 3], seed: 11).Onnx);
        repository.WriteConfig(model, """{"max_batch_size": 8, "dynamic_batching": {}}""");
        var host = ModelDockHost.Create(ServerFixture.AnyFreePorts, b =>
        {
            b.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
            b.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = repository.Path);
            b.Logging.ClearProviders();
        });
        await host.StartAsync();
        return new MetricsHost(model, host, repository);
    }

    public Task<RestResult> InferAsync(int rows = 1, string? model = null, int width = 4)
    {
        var data = string.Join(",", Enumerable.Repeat("0.5", rows * width));
        return Http.PostJsonAsync(
            $"v2/models/{model ?? Model}/infer",
            $$"""{"inputs":[{"name":"input","datatype":"FP32","shape":[{{rows}},{{width}}],"data":[{{data}}]}]}""");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
        _repository.Dispose();
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
