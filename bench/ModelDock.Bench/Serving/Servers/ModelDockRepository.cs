using ModelDock.Registry;
namespace ModelDock.Bench.Serving.Servers;

/// <summary>
/// A temporary folder with a model repository in Triton's layout, written from the demo model (one
/// folder per configuration: <c>&lt;name&gt;/config.json</c>, <c>&lt;name&gt;/1/model.onnx</c>), beside an
/// empty data folder for the server. Disposing deletes both.
/// </summary>
internal sealed class ModelDockRepository : IDisposable
{
    private readonly string _root;

    private ModelDockRepository(string root)
    {
        _root = root;
        ModelsPath = Path.Combine(root, "models");
        DataPath = Path.Combine(root, "data");
    }

    /// <summary>The model repository.</summary>
    public string ModelsPath { get; }

    /// <summary>An empty folder for the server's own data, so none is picked up from the working directory.</summary>
    public string DataPath { get; }

    public static async Task<ModelDockRepository> WriteAsync(BenchModel model, IEnumerable<ModelDockConfig> configs)
    {
        var repository = new ModelDockRepository(Path.Combine(Path.GetTempPath(), "modeldock-bench-" + Guid.NewGuid().ToString("N")));
        Directory.CreateDirectory(repository.DataPath);
        foreach (var config in configs)
        {
            var versionFolder = Path.Combine(repository.ModelsPath, config.ModelName, "1");
            Directory.CreateDirectory(versionFolder);
            await File.WriteAllBytesAsync(Path.Combine(versionFolder, "model.onnx"), model.Onnx).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(repository.ModelsPath, config.ModelName, "config.json"), config.Json).ConfigureAwait(false);
            await AddEndpointAsync(repository, config).ConfigureAwait(false);
        }

        return repository;
    }

    /// <summary>
    /// The endpoint the <c>endpoint</c> target calls: blue and green at 50/50, both deployments of the one registered
    /// version of the model, so they share its batcher and the row measures what routing costs, nothing else.
    /// </summary>
    public static string EndpointName(ModelDockConfig config) => config.ModelName + "_endpoint";

    private static async Task AddEndpointAsync(ModelDockRepository repository, ModelDockConfig config)
    {
        var storage = RegistryStorage.Local(repository.DataPath);
        var registry = storage.Registry;
        var folder = Path.Combine(repository.ModelsPath, config.ModelName);
        var request = new RegistrationRequest(config.ModelName, string.Empty);
        var version = (await registry.RegisterFolderAsync(folder, request, CancellationToken.None).ConfigureAwait(false))[0].Version;
        var endpoints = storage.Manager;
        var name = EndpointName(config);
        await endpoints.CreateAsync(name, "bench", CancellationToken.None).ConfigureAwait(false);
        await endpoints.DeployAsync(name, "blue", $"{config.ModelName}:{version}", force: false, "bench", CancellationToken.None).ConfigureAwait(false);
        await endpoints.DeployAsync(name, "green", $"{config.ModelName}:{version}", force: false, "bench", CancellationToken.None).ConfigureAwait(false);
        await endpoints.SetTrafficAsync(name, new Dictionary<string, int> { ["blue"] = 50, ["green"] = 50 }, "bench", CancellationToken.None).ConfigureAwait(false);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
