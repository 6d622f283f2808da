using ModelDock.Access;
using ModelDock.Storage;
using ModelDock.Testing;

namespace ModelDock.Core.Tests.Access;

[RequiresService(TestServices.PostgresVariable)]
public sealed class PostgresApiKeyStoreTests : ApiKeyStoreContract, IDisposable
{
    private readonly TestPostgresSchema _schema = new();
    private readonly PostgresDatabase _database;

    public PostgresApiKeyStoreTests()
    {
        _database = new PostgresDatabase(_schema.ConnectionString);
        Store = new PostgresApiKeyStore(_database);
    }

    internal override IApiKeyStore Store { get; }

    public void Dispose()
    {
        _database.Dispose();
        _schema.Dispose();
    }
}
