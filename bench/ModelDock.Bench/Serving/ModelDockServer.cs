using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelDock.Repository;
using ModelDock.Server.Hosting;

namespace ModelDock.Bench.Serving;

/// <summary>
/// The real ModelDock stack: <see cref="ModelDockHost"/> over a <see cref="ModelServer"/> reading a
/// temporary model repository. The repository holds the model once per scheduler configuration under
/// different names, so one host serves every configuration being compared.
/// </summary>
internal sealed class ModelDockServer : IAsyncDisposable
{
    private readonly string _repository;
    private readonly ModelServer _modelServer;
    private readonly ModelDockHost _host;

    private ModelDockServer(string repository, ModelServer modelServer, ModelDockHost host, IReadOnlyList<Config> configs)
    {
        _repository = repository;
        _modelServer = modelServer;
        _host = host;
        Configs = configs;
    }

    /// <summary>One served copy of the model: its name in the repository and a description for the table.</summary>
    public sealed record Config(string ModelName, string Description, string Json);

    public IReadOnlyList<Config> Configs { get; }

    public ModelServer ModelServer => _modelServer;

    public Uri HttpAddress => _host.HttpAddress;

    public Uri GrpcAddress => _host.GrpcAddress;

    public static async Task<ModelDockServer> StartAsync(BenchModel model, ServingOptions options)
    {
        var configs = new List<Config>();
        var delay = options.QueueDelayFor(model.Label);
        foreach (var batching in options.Batching)
        {
            configs.Add(batching switch
            {
                "batched" => Batched(model, options, delay, dispatchWhenIdle: false),
                "idle" => Batched(model, options, delay, dispatchWhenIdle: true),
                _ => new Config(
                    model.Name + "_direct",
                    string.Create(CultureInfo.InvariantCulture, $"no batching, {options.DirectInstances} inst."),
                    string.Create(CultureInfo.InvariantCulture,
                        $$"""{"max_batch_size": {{options.MaxBatchSize}}, "instance_group": [{"count": {{options.DirectInstances}}}], {{IntraOp(options.DirectIntraOpThreads)}}}""")),
            });
        }

        var repository = Path.Combine(Path.GetTempPath(), "modeldock-bench-" + Guid.NewGuid().ToString("N"));
        foreach (var config in configs)
        {
            var versionFolder = Path.Combine(repository, config.ModelName, "1");
            Directory.CreateDirectory(versionFolder);
            await File.WriteAllBytesAsync(Path.Combine(versionFolder, "model.onnx"), model.Onnx).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(repository, config.ModelName, "config.json"), config.Json).ConfigureAwait(false);
        }

        var modelServer = new ModelServer(
            new ModelRepositoryOptions { RepositoryPath = repository },
            NullLogger<ModelServer>.Instance,
            TimeProvider.System);
        await modelServer.StartAsync(CancellationToken.None).ConfigureAwait(false);
        var host = ModelDockHost.Create(
            new ModelDockServerOptions { HttpPort = 0, GrpcPort = 0 },
            modelServer,
            builder => builder.Logging.ClearProviders());
        await host.StartAsync().ConfigureAwait(false);
        return new ModelDockServer(repository, modelServer, host, configs);
    }

    private static Config Batched(BenchModel model, ServingOptions options, int delay, bool dispatchWhenIdle) => new(
        model.Name + (dispatchWhenIdle ? "_idle" : "_batched"),
        string.Create(CultureInfo.InvariantCulture, $"batch ≤{options.MaxBatchSize}, delay {delay} µs{(dispatchWhenIdle ? ", when idle" : "")}{Variations(model, options)}"),
        string.Create(CultureInfo.InvariantCulture,
            $$"""{"max_batch_size": {{options.MaxBatchSize}}, "dynamic_batching": {"max_queue_delay_microseconds": {{delay}}, "preferred_batch_size": [{{options.PreferredBatchSize ?? options.MaxBatchSize}}], "dispatch_when_idle": {{(dispatchWhenIdle ? "true" : "false")}}}, "instance_group": [{"count": {{options.BatchedInstances}}}], {{IntraOp(options.BatchedIntraOpFor(model.Label))}}}"""));

    /// <summary>What differs from the default batched configuration, so rows of different runs are told apart.</summary>
    private static string Variations(BenchModel model, ServingOptions options) =>
        (options.PreferredBatchSize is { } preferred ? $", preferred {preferred}" : "")
        + (options.BatchedInstances != 1 ? $", {options.BatchedInstances} inst." : "")
        + (options.BatchedIntraOpFor(model.Label) is var threads and > 0 ? $", {threads} ORT thr." : "");

    private static string IntraOp(int threads) =>
        "\"parameters\": {\"intra_op_thread_count\": {\"string_value\": \"" + threads.ToString(CultureInfo.InvariantCulture) + "\"}}";

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().ConfigureAwait(false);
        await _host.DisposeAsync().ConfigureAwait(false);
        await _modelServer.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(_repository, recursive: true);
    }
}
