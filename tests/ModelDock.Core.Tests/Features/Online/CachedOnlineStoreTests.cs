using Microsoft.Extensions.Time.Testing;
using ModelDock.Features.Online;
using ModelDock.Testing.Features;
using Xunit;
using Xunit.Abstractions;

namespace ModelDock.Core.Tests.Features.Online;

/// <summary>The row cache in front of the embedded store passes the store contract, and serves rows only as fresh as it promises.</summary>
public sealed class CachedOnlineStoreTests(ITestOutputHelper output) : OnlineStoreContractTests(output), IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Names = ["clicks"];
    private static readonly OnlineReadPlan Plan = new([new OnlineViewRequest("stats", Names)]);
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(T0);

    protected override string SkipReason => "never skipped";

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Read_SameKeysAgain_AnsweredWithoutAStatement()
    {
        await using var inner = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        var cache = new CachedOnlineStore(inner, TimeSpan.FromSeconds(5), 1_000, _time);
        await cache.WriteAsync("stats", Names, [Row(1, 10)], default);
        await cache.ReadAsync([Key(1), Key(2)], Plan, default);
        var statements = inner.ReadStatementCount;

        var again = await cache.ReadAsync([Key(2), Key(1)], Plan, default);

        Assert.Equal(statements, inner.ReadStatementCount);
        Assert.False(again.IsFound(0, 0));
        Assert.Equal(10, again.GetValue(1, 0).AsInt64());
    }

    [Fact]
    public async Task Read_AfterWriteThroughCache_SeesTheWriteAtOnce()
    {
        await using var inner = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        var cache = new CachedOnlineStore(inner, TimeSpan.FromSeconds(5), 1_000, _time);
        await cache.WriteAsync("stats", Names, [Row(1, 10)], default);
        await cache.ReadAsync([Key(1), Key(2)], Plan, default);

        await cache.WriteAsync("stats", Names, [Row(1, 11, T0.AddMinutes(1)), Row(2, 20)], default);
        var result = await cache.ReadAsync([Key(1), Key(2)], Plan, default);

        Assert.Equal(11, result.GetValue(0, 0).AsInt64());
        Assert.Equal(20, result.GetValue(1, 0).AsInt64());
    }

    [Fact]
    public async Task Read_WriteByAnotherProcess_ServedStaleAtMostMaxAge()
    {
        var path = _folder.Combine("online.db");
        await using var inner = SqliteOnlineStore.Open(path);
        await using var otherProcess = SqliteOnlineStore.Open(path);
        var cache = new CachedOnlineStore(inner, TimeSpan.FromSeconds(5), 1_000, _time);
        await cache.WriteAsync("stats", Names, [Row(1, 10)], default);
        await cache.ReadAsync([Key(1), Key(2)], Plan, default);

        await otherProcess.WriteAsync("stats", Names, [Row(1, 11, T0.AddMinutes(1)), Row(2, 20)], default);
        _time.Advance(TimeSpan.FromSeconds(4.9));
        var within = await cache.ReadAsync([Key(1), Key(2)], Plan, default);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        var after = await cache.ReadAsync([Key(1), Key(2)], Plan, default);

        Assert.Equal((10L, false), (within.GetValue(0, 0).AsInt64(), within.IsFound(1, 0)));
        Assert.Equal((11L, 20L), (after.GetValue(0, 0).AsInt64(), after.GetValue(1, 0).AsInt64()));
    }

    [Fact]
    public async Task Read_MoreRowsThanCapacity_CachesWhatFitsAndStillAnswersEveryKey()
    {
        await using var inner = SqliteOnlineStore.Open(_folder.Combine("online.db"));
        var cache = new CachedOnlineStore(inner, TimeSpan.FromSeconds(5), 100, _time);
        await cache.WriteAsync("stats", Names, [.. Enumerable.Range(0, 300).Select(i => Row(i, i))], default);

        await cache.ReadAsync([.. Enumerable.Range(0, 80).Select(Key)], Plan, default);
        var result = await cache.ReadAsync([.. Enumerable.Range(0, 300).Select(Key)], Plan, default);
        _time.Advance(TimeSpan.FromSeconds(6));
        await cache.ReadAsync([.. Enumerable.Range(200, 50).Select(Key)], Plan, default);

        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), Enumerable.Range(0, 300).Select(i => result.GetValue(i, 0).AsInt64()));
        Assert.Equal(50, cache.Count);
    }

    protected override Task<IOnlineStore?> CreateStoreAsync() =>
        Task.FromResult<IOnlineStore?>(new CachedOnlineStore(SqliteOnlineStore.Open(_folder.Combine("online.db")), TimeSpan.FromSeconds(30), 10_000, TimeProvider.System));

    protected override async Task<IOnlineStore> ReopenAsync(IOnlineStore store)
    {
        var path = ((SqliteOnlineStore)((CachedOnlineStore)store).Inner).Path;
        await store.DisposeAsync();
        return new CachedOnlineStore(SqliteOnlineStore.Open(path), TimeSpan.FromSeconds(30), 10_000, TimeProvider.System);
    }

    private static OnlineWriteRow Row(int id, long clicks, DateTimeOffset? at = null) => new(Key(id), [FeatureValue.FromInt64(clicks)], at ?? T0);
}
