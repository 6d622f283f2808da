using ModelDock.Access;
using ModelDock.Endpoints;
using ModelDock.Runtime;
using ModelDock.Storage;

namespace ModelDock.Registry;

/// <summary>
/// The registry, endpoint and key stores that one <see cref="RegistryOptions"/> describes, built in one place for the
/// server, the CLI, tests and tools: metadata in the data folder's SQLite database unless
/// <see cref="RegistryOptions.Postgres"/> is set, artifacts under <c>artifacts/</c> unless
/// <see cref="RegistryOptions.BlobStorage"/> is set (each independently). The data folder always holds the local cache
/// of loaded artifacts. Nothing connects to a server here: PostgreSQL and Blob Storage are reached at first use.
/// </summary>
internal sealed class RegistryStorage : IDisposable
{
    private readonly PostgresDatabase? _postgres;

    private RegistryStorage(string dataDir, PostgresDatabase? postgres, ModelRegistry registry, IEndpointStore endpoints, IApiKeyStore keys, TimeProvider time)
    {
        DataDir = dataDir;
        _postgres = postgres;
        Registry = registry;
        Endpoints = endpoints;
        Keys = keys;
        Manager = new EndpointManager(endpoints, registry, time);
    }

    public string DataDir { get; }

    /// <summary>Where loaded versions are copied (and checked) before ONNX Runtime opens them; always local.</summary>
    public string CacheFolder => Path.Combine(DataDir, "cache");

    public ModelRegistry Registry { get; }

    public IEndpointStore Endpoints { get; }

    public IApiKeyStore Keys { get; }

    /// <summary>Validated endpoint changes over <see cref="Endpoints"/> and <see cref="Registry"/>.</summary>
    public EndpointManager Manager { get; }

    public static RegistryStorage Open(RegistryOptions options, TimeProvider time, ModelBackendLoader? loadBackend = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dataDir = Path.GetFullPath(options.DataDir);
        IArtifactStore artifacts = string.IsNullOrWhiteSpace(options.BlobStorage)
            ? new FileArtifactStore(Path.Combine(dataDir, "artifacts"))
            : new BlobArtifactStore(options.BlobStorage, options.BlobContainer);
        if (string.IsNullOrWhiteSpace(options.Postgres))
        {
            return new RegistryStorage(
                dataDir,
                null,
                new ModelRegistry(new SqliteModelRegistryStore(dataDir), artifacts, time, loadBackend),
                new SqliteEndpointStore(dataDir),
                new SqliteApiKeyStore(dataDir),
                time);
        }

        var postgres = new PostgresDatabase(options.Postgres);
        return new RegistryStorage(
            dataDir,
            postgres,
            new ModelRegistry(new PostgresModelRegistryStore(postgres), artifacts, time, loadBackend),
            new PostgresEndpointStore(postgres),
            new PostgresApiKeyStore(postgres),
            time);
    }

    /// <summary>A registry over the data folder alone, as every single-machine caller and test uses it.</summary>
    public static RegistryStorage Local(string dataDir, TimeProvider? time = null, ModelBackendLoader? loadBackend = null) =>
        Open(new RegistryOptions { DataDir = dataDir }, time ?? TimeProvider.System, loadBackend);

    public void Dispose() => _postgres?.Dispose();
}
