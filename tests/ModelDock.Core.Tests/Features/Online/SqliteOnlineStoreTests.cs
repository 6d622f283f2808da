using ModelDock.Features.Online;
using ModelDock.Testing.Features;
using Xunit;
using Xunit.Abstractions;

namespace ModelDock.Core.Tests.Features.Online;

public sealed class SqliteOnlineStoreTests(ITestOutputHelper output) : OnlineStoreContractTests(output), IDisposable
{
    private readonly TempFolder _folder = new();

    protected override string SkipReason => "never skipped";

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Read_ManyKeysAndViews_RunsOneStatement()
    {
        await using var store = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        var plan = new OnlineReadPlan([.. Enumerable.Range(0, 5).Select(v => new OnlineViewRequest($"v{v}", ["a"]))]);
        var before = store.ReadStatementCount;

        await store.ReadAsync([.. Enumerable.Range(0, 100).Select(Key)], plan, default);

        Assert.Equal(before + 1, store.ReadStatementCount);
    }

    /// <summary>Found by the fuzzer: one statement over 20,000 keys took seconds to bind and stalled every other read.</summary>
    [Fact]
    public async Task Read_MoreKeysThanOneStatementTakes_RunsOneStatementPerChunk()
    {
        await using var store = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        var plan = new OnlineReadPlan([new OnlineViewRequest("v", ["a"])]);
        var before = store.ReadStatementCount;

        await store.ReadAsync([.. Enumerable.Range(0, 20_000).Select(Key)], plan, default);

        Assert.Equal(before + 79, store.ReadStatementCount);
    }

    [Fact]
    public async Task Open_FolderIsAFile_ThrowsUnavailableNamingPath()
    {
        var blocker = _folder.Combine("file");
        await File.WriteAllTextAsync(blocker, "x");
        var path = Path.Combine(blocker, "online.db");

        var error = Assert.ThrowsAny<Exception>(() => SqliteOnlineStore.Open(path));

        Assert.Contains("file", error.Message, StringComparison.Ordinal);
    }

    protected override Task<IOnlineStore?> CreateStoreAsync() =>
        Task.FromResult<IOnlineStore?>(SqliteOnlineStore.Open(_folder.Combine("online.db")));

    protected override async Task<IOnlineStore> ReopenAsync(IOnlineStore store)
    {
        var path = ((SqliteOnlineStore)store).Path;
        await store.DisposeAsync();
        return SqliteOnlineStore.Open(path);
    }
}
