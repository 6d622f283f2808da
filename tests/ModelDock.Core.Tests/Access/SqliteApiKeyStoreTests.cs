using ModelDock.Access;
using ModelDock.Testing.Features;

namespace ModelDock.Core.Tests.Access;

public sealed class SqliteApiKeyStoreTests : ApiKeyStoreContract, IDisposable
{
    private readonly TempFolder _folder = new();

    public SqliteApiKeyStoreTests()
    {
        Store = new SqliteApiKeyStore(_folder.Path);
    }

    internal override IApiKeyStore Store { get; }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
