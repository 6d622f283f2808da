using ModelDock.Registry;
using ModelDock.Runtime;
using ModelDock.Storage;
using ModelDock.Tensors;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Registry;

[RequiresService(TestServices.PostgresVariable)]
public sealed class PostgresModelRegistryStoreTests : ModelRegistryStoreContract, IDisposable
{
    private readonly TestPostgresSchema _schema = new();
    private readonly PostgresDatabase _database;

    public PostgresModelRegistryStoreTests()
    {
        _database = new PostgresDatabase(_schema.ConnectionString);
        Store = new PostgresModelRegistryStore(_database);
    }

    internal override IModelRegistryStore Store { get; }

    [PostgresFact]
    public async Task AddVersion_TwoProcessesRegisterOneModelAtOnceOnAnEmptyDatabase_DistinctVersions()
    {
        // Two data sources are two processes: separate pools, each creating the tables at its first use.
        using var other = new PostgresDatabase(_schema.ConnectionString);
        var stores = new[] { Store, new PostgresModelRegistryStore(other) };

        var added = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => stores[i % 2].AddVersionAsync(Draft("shared", i), DateTimeOffset.UnixEpoch, default))));

        Assert.Equal(Enumerable.Range(1, 8).Select(v => (long)v), added.Select(v => v.Version).Order());
        Assert.Equal(8, (await stores[1].ListVersionsAsync("shared", default)).Count);
    }

    public void Dispose()
    {
        _database.Dispose();
        _schema.Dispose();
    }

    private static ModelVersionDraft Draft(string model, int i) => new(
        model,
        new ArtifactRef(new string((char)('a' + (i % 6)), 64), i),
        new ModelSignature([new TensorSpec("input", DataType.Fp32, [-1, 4])], [new TensorSpec("output", DataType.Fp32, [-1, 3])]),
        null,
        $"registration {i}",
        new Dictionary<string, string>(),
        new Dictionary<string, double>(),
        new Dictionary<string, string>(),
        "ci");
}
