using ModelDock.Features.Online;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Server.Tests.Features;

/// <summary>Runs alone: its requests allocate hundreds of MB, which tests measuring the process's allocations beside it would count.</summary>
[Collection(Name)]
public sealed class SqliteLargeOnlineRequestTests : LargeOnlineRequestTests
{
    public const string Name = "large online requests, alone";

    protected override Task<IOnlineStore?> CreateStoreAsync() =>
        Task.FromResult<IOnlineStore?>(SqliteOnlineStore.Open(Folder.Combine("online.db")));
}

[CollectionDefinition(SqliteLargeOnlineRequestTests.Name, DisableParallelization = true)]
public sealed class LargeOnlineRequestCollection
{
}
