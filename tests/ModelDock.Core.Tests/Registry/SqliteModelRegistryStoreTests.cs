using ModelDock.Registry;
using ModelDock.Testing.Features;

namespace ModelDock.Core.Tests.Registry;

public sealed class SqliteModelRegistryStoreTests : ModelRegistryStoreContract, IDisposable
{
    private readonly TempFolder _folder = new();

    public SqliteModelRegistryStoreTests()
    {
        Store = new SqliteModelRegistryStore(_folder.Path);
    }

    internal override IModelRegistryStore Store { get; }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
