using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using ModelDock.Onnx;
using ModelDock.Repository;
using ModelDock.Runtime.Onnx;
using ModelDock.Server.Grpc.Protocol;
using ModelDock.Server.Hosting;
using ModelDock.Tensors;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Server.Tests.Infrastructure;

/// <summary>
/// A repository of generated ONNX models, served by a real Kestrel on
/// loopback ports chosen by the OS. Shared by the integration tests of one collection.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string Mlp = "mlp";
    public const string TwoInput = "two_input";
    public const string TwoInputUnbatched = "two_input_unbatched";
    public const string Strings = "strings";
    public const string NoBatch = "no_batch";
    public const string Versioned = "versioned";
    public const string Slow = "slow";
    public const string Spare = "spare";

    private readonly TestModelRepository _repository = new();
    private GrpcChannel? _channel;

    internal MlpModel MlpModel { get; } = DemoModels.Mlp([8, 16, 3], seed: 7);

    /// <summary>Closed, requests to <see cref="Slow"/> wait inside the backend.</summary>
    public ManualResetEventSlim SlowGate { get; } = new(initialState: true);

    /// <summary>Released each time a request to <see cref="Slow"/> reaches the backend.</summary>
    public SemaphoreSlim SlowEntered { get; } = new(0);

    /// <summary>Sets both ports to 0, so that the OS picks free ones.</summary>
    public static Action<ModelDockServerOptions> AnyFreePorts { get; } = options =>
    {
        options.HttpPort = 0;
        options.GrpcPort = 0;
    };

    internal FolderServing Models { get; private set; } = null!;

    public ModelDockHost Host { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public GRPCInferenceService.GRPCInferenceServiceClient Grpc { get; private set; } = null!;

    public GrpcChannel Channel => _channel!;

    public static string IdentityName(DataType type) => "identity_" + type.ToWireName().ToLowerInvariant();

    public async Task InitializeAsync()
    {
        foreach (var type in Enum.GetValues<DataType>())
        {
            _repository.AddVersion(IdentityName(type), 1, DemoModels.Identity(type));
        }

        _repository.AddVersion(Mlp, 1, MlpModel.Onnx);
        _repository.WriteConfig(Mlp, """{"max_batch_size": 4}""");
        _repository.AddVersion(TwoInput, 1, DemoModels.TwoInput());
        _repository.WriteConfig(TwoInput, """{"max_batch_size": 8}""");
        _repository.AddVersion(TwoInputUnbatched, 1, DemoModels.TwoInput());
        _repository.AddVersion(Strings, 1, DemoModels.Strings());
        _repository.WriteConfig(Strings, """{"max_batch_size": 8}""");
        _repository.AddVersion(NoBatch, 1, DemoModels.NoBatch());
        _repository.AddVersion(Versioned, 1, DemoModels.NoBatch());
        _repository.AddVersion(Versioned, 2, DemoModels.Identity(DataType.Fp32));
        _repository.WriteConfig(Versioned, """{"version_policy": {"all": {}}}""");
        _repository.AddVersion(Slow, 1, DemoModels.Mlp([2, 2], seed: 1).Onnx);
        _repository.WriteConfig(Slow, """
            {"max_batch_size": 1, "dynamic_batching": {"max_queue_delay_microseconds": 0,
             "default_queue_policy": {"max_queue_size": 1}}}
            """);
        _repository.AddVersion(Spare, 1, DemoModels.NoBatch());

        Models = new FolderServing(
            new ModelRepositoryOptions { RepositoryPath = _repository.Path },
            (path, settings) =>
            {
                var backend = OnnxModelBackend.Load(path, settings);
                return path.Contains(Path.DirectorySeparatorChar + Slow + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                    ? new GatedBackend(backend, SlowGate, SlowEntered)
                    : backend;
            });
        await Models.StartAsync();

        Host = StartHost(_ => { });
        await Host.StartAsync();
        Http = new HttpClient { BaseAddress = Host.HttpAddress };
        _channel = GrpcChannel.ForAddress(Host.GrpcAddress);
        Grpc = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
    }

    /// <summary>Another host over the same models on ports the OS picks, e.g. with different limits.</summary>
    public ModelDockHost StartHost(Action<ModelDockServerOptions> options, ILoggerProvider? logs = null) =>
        ModelDockHost.Create(AnyFreePorts + options, builder =>
        {
            Models.AddTo(builder.Services);
            builder.Logging.ClearProviders();
            if (logs is not null)
            {
                builder.Logging.AddProvider(logs);
            }
        });

    public async Task DisposeAsync()
    {
        SlowGate.Set();
        Http.Dispose();
        _channel?.Dispose();
        await Host.DisposeAsync();
        await Models.DisposeAsync();
        _repository.Dispose();
        SlowGate.Dispose();
        SlowEntered.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}

/// <summary>
/// For tests that measure the process's managed heap: no other test runs beside them, so what they measure is their
/// own server's memory and not the allocations of whatever else xunit runs in parallel.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server, measured alone";
}
