using ModelDock.Endpoints;
using ModelDock.Testing.Features;

namespace ModelDock.Core.Tests.Endpoints;

public sealed class SqliteEndpointStoreTests : EndpointStoreContract, IDisposable
{
    private readonly TempFolder _folder = new();

    public SqliteEndpointStoreTests()
    {
        Store = new SqliteEndpointStore(_folder.Path);
    }

    internal override IEndpointStore Store { get; }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
