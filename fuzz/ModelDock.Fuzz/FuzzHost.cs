using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Registry;
using ModelDock.Fuzz.Engine;
using ModelDock.Onnx;
using ModelDock.Registry;
using ModelDock.Server.Features;
using ModelDock.Server.Hosting;
using ModelDock.Tensors;

namespace ModelDock.Fuzz;

/// <summary>
/// ModelDock as <c>serve</c> composes it, in this process on loopback ports: a repository of generated models
/// (batched, unbatched, several inputs, strings, every datatype, several versions, one whose inputs are assembled from
/// features by entity key) and the feature routes over a SQLite online store. Every log entry at error level goes to <see cref="ErrorLogs"/>.
/// </summary>
internal sealed class FuzzHost : IAsyncDisposable
{
    /// <summary>The one model the fuzzer may load and unload: the others must stay ready, so that a 503 from them is a finding.</summary>
    public const string ControlledModel = "spare";

    /// <summary>An endpoint with two deployments of a registered model, split 50/50, so requests may pin either or neither.</summary>
    public const string Endpoint = "mlp_endpoint";

    /// <summary>The registered model and the endpoint the admin API target may change, delete and re-create.</summary>
    public const string AdminModel = "fz";

    /// <inheritdoc cref="AdminModel"/>
    public const string AdminEndpoint = "fz_endpoint";

    private readonly string _folder;
    private readonly ModelDockHost _host;

    private FuzzHost(string folder, ModelDockHost host, ErrorLogRecorder errorLogs)
    {
        _folder = folder;
        _host = host;
        ErrorLogs = errorLogs;
        Rest = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = host.HttpAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        Grpc = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
        {
            BaseAddress = host.GrpcAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public ErrorLogRecorder ErrorLogs { get; }

    /// <summary>HTTP/1.1 to the REST port.</summary>
    public HttpClient Rest { get; }

    /// <summary>HTTP/2 with prior knowledge to the gRPC port, for hand-framed gRPC calls.</summary>
    public HttpClient Grpc { get; }

    /// <summary>The inputs of each served model, from its metadata, which the request targets build seeds from.</summary>
    public IReadOnlyList<ModelSeed> Models { get; private set; } = [];

    public static async Task<FuzzHost> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("modeldock-fuzz-").FullName;
        var repository = Path.Combine(folder, "models");
        WriteModels(repository);
        var featureFolder = Path.Combine(folder, "features");
        Directory.CreateDirectory(featureFolder);
        File.WriteAllText(Path.Combine(featureFolder, "repo.yaml"), FeatureSeeds.RepositoryYaml);
        var data = Path.Combine(folder, "data");

        // Served from the registry, as serve does, so 'service:version' is looked up in it.
        using (var registry = new FeatureRegistry(data, TimeProvider.System))
        {
            registry.Apply(FeatureRepositoryLoader.Load(featureFolder).GetRepositoryOrThrow());
        }

        // The host's container owns the store and disposes it.
        var store = SqliteOnlineStore.Open(Path.Combine(folder, "online.db"));

        await WriteEndpointAsync(data, Path.Combine(repository, "mlp"));

        var errorLogs = new ErrorLogRecorder();
        var host = ModelDockHost.Create(
            options => (options.HttpPort, options.GrpcPort) = (0, 0),
            builder =>
            {
                builder.Services.AddModelDock().AddModelRepository(r => r.RepositoryPath = repository).AddRegistryEndpoints(r => r.DataDir = data);
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(errorLogs);
                // A small row limit, so mutations that grow an entity list cross it, and the row cache, so reads race pushes through it.
                builder.Services.AddFeatureRegistryServing(store, data, o => (o.MaxEntityRows, o.RowCacheMaxAge) = (FeatureSeeds.MaxEntityRows, TimeSpan.FromSeconds(1)));
            },
            app => app.MapFeatureRoutes());
        await host.StartAsync();

        var fuzzHost = new FuzzHost(folder, host, errorLogs);
        fuzzHost.Models = await fuzzHost.ReadModelSeedsAsync();
        return fuzzHost;
    }

    /// <summary>
    /// Registers the mlp folder's version twice under "mlp" and under <see cref="AdminModel"/>, and deploys each pair as blue
    /// and green of <see cref="Endpoint"/> and <see cref="AdminEndpoint"/>.
    /// </summary>
    private static async Task WriteEndpointAsync(string data, string mlpFolder)
    {
        using var storage = RegistryStorage.Local(data);
        foreach (var (model, endpoint) in new[] { ("mlp", Endpoint), (AdminModel, AdminEndpoint) })
        {
            var request = new RegistrationRequest(model, string.Empty);
            await storage.Registry.RegisterFolderAsync(mlpFolder, request, CancellationToken.None);
            await storage.Registry.RegisterFolderAsync(mlpFolder, request, CancellationToken.None);
            var endpoints = storage.Manager;
            await endpoints.CreateAsync(endpoint, "fuzz", CancellationToken.None);
            await endpoints.DeployAsync(endpoint, "blue", $"{model}:1", force: false, "fuzz", CancellationToken.None);
            await endpoints.DeployAsync(endpoint, "green", $"{model}:2", force: false, "fuzz", CancellationToken.None);
            await endpoints.SetTrafficAsync(endpoint, new Dictionary<string, int> { ["blue"] = 50, ["green"] = 50 }, "fuzz", CancellationToken.None);
        }
    }

    private static void WriteModels(string repository)
    {
        void Add(string model, byte[] onnx, string? config = null, int version = 1)
        {
            var versionFolder = Path.Combine(repository, model, version.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(versionFolder);
            File.WriteAllBytes(Path.Combine(versionFolder, "model.onnx"), onnx);
            if (config is not null)
            {
                File.WriteAllText(Path.Combine(repository, model, "config.json"), config);
            }
        }

        Add("mlp", DemoModels.Mlp([8, 16, 3], seed: 7).Onnx,
            """{"max_batch_size": 4, "dynamic_batching": {"max_queue_delay_microseconds": 200}}""");
        Add("two_input", DemoModels.TwoInput(), """{"max_batch_size": 8}""");
        Add("two_input_unbatched", DemoModels.TwoInput());
        Add("strings", DemoModels.Strings(), """{"max_batch_size": 8}""");
        Add("no_batch", DemoModels.NoBatch());
        Add("versioned", DemoModels.NoBatch(), """{"version_policy": {"all": {}}}""");
        Add("versioned", DemoModels.Identity(DataType.Fp32), version: 2);
        Add(ControlledModel, DemoModels.NoBatch());

        // Its clients send driver keys; the server reads the rest from the SQLite online store the host serves.
        Add("driver_ranker", DemoModels.Mlp([2, 4, 2], seed: 11).Onnx, """
            {"max_batch_size": 8, "modeldock": {"features": {"service": "driver_model_v1",
              "entities": [{"input": "driver_id", "entity": "driver", "datatype": "INT64"}],
              "inputs": [{"name": "input", "datatype": "FP32",
                "features": ["driver_stats:conv_rate", {"feature": "driver_stats:trips", "on_missing": "fail"}]}]}}}
            """);
        foreach (var type in Enum.GetValues<DataType>())
        {
            Add("identity_" + type.ToWireName().ToLowerInvariant(), DemoModels.Identity(type), """{"max_batch_size": 8}""");
        }
    }

    private async Task<IReadOnlyList<ModelSeed>> ReadModelSeedsAsync()
    {
        using var index = JsonDocument.Parse(await (await Rest.PostAsync("/v2/repository/index", null)).Content.ReadAsStringAsync());
        var seeds = new List<ModelSeed>();
        // Registry versions are served as registry/<model>, which no REST route reaches; the endpoint stands for them.
        var names = index.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()!)
            .Where(n => !n.Contains('/', StringComparison.Ordinal)).Append(Endpoint).Distinct();
        foreach (var name in names)
        {
            using var metadata = JsonDocument.Parse(await Rest.GetStringAsync($"/v2/models/{name}"));
            var inputs = metadata.RootElement.GetProperty("inputs").EnumerateArray()
                .Select(i => new TensorSeed(
                    i.GetProperty("name").GetString()!,
                    i.GetProperty("datatype").GetString()!,
                    [.. i.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64() < 0 ? 2 : d.GetInt64())]))
                .ToList();
            seeds.Add(new ModelSeed(name, inputs));
        }

        return seeds;
    }

    public async ValueTask DisposeAsync()
    {
        Rest.Dispose();
        Grpc.Dispose();
        await _host.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held on Windows: the temporary folder is left for the OS to clean.
        }
    }
}

/// <summary>A served model's inputs, with every dynamic dimension set to 2.</summary>
internal sealed record ModelSeed(string Name, IReadOnlyList<TensorSeed> Inputs);

internal sealed record TensorSeed(string Name, string Datatype, long[] Shape)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}
