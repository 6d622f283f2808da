using ModelDock.Features.Online;
using ModelDock.Testing.Features;

namespace ModelDock.Server.Tests.Features;

public sealed class SqliteLargeOnlineRequestTests : LargeOnlineRequestTests
{
    protected override Task<IOnlineStore?> CreateStoreAsync() =>
        Task.FromResult<IOnlineStore?>(SqliteOnlineStore.Open(Folder.Combine("online.db")));
}
