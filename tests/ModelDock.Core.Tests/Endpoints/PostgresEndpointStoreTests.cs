using ModelDock.Endpoints;
using ModelDock.Storage;
using ModelDock.Testing;

namespace ModelDock.Core.Tests.Endpoints;

[RequiresService(TestServices.PostgresVariable)]
public sealed class PostgresEndpointStoreTests : EndpointStoreContract, IDisposable
{
    private readonly TestPostgresSchema _schema = new();
    private readonly PostgresDatabase _database;

    public PostgresEndpointStoreTests()
    {
        _database = new PostgresDatabase(_schema.ConnectionString);
        Store = new PostgresEndpointStore(_database);
    }

    internal override IEndpointStore Store { get; }

    public void Dispose()
    {
        _database.Dispose();
        _schema.Dispose();
    }
}
