using ModelDock.Features.Online;
using ModelDock.Redis.Features;
using ModelDock.Testing;
using ModelDock.Testing.Features;
using Xunit;
using Xunit.Abstractions;

namespace ModelDock.Redis.Tests.Features;

public sealed class RedisOnlineStoreTests(ITestOutputHelper output) : OnlineStoreContractTests(output)
{
    // Each test gets its own key prefix, so tests share one Redis without seeing each other's rows.
    private readonly string _prefix = "test:" + Guid.NewGuid().ToString("N") + ":";

    protected override string SkipReason => $"{TestServices.RedisVariable} is not set; set it to a Redis host:port to run this test.";

    [RedisFact]
    public async Task Read_ManyKeysAndViews_SendsOneFlush()
    {
        await using var store = await RedisOnlineStore.ConnectAsync(Options(TestServices.RequireRedis()));
        var plan = new OnlineReadPlan([.. Enumerable.Range(0, 5).Select(v => new OnlineViewRequest($"v{v}", ["a"]))]);
        var before = store.ReadRoundTrips;

        await store.ReadAsync([.. Enumerable.Range(0, 100).Select(Key)], plan, default);

        Assert.Equal(before + 1, store.ReadRoundTrips);
    }

    protected override async Task<IOnlineStore?> CreateStoreAsync()
    {
        if (TestServices.Redis is null && !TestServices.Required)
        {
            return null;
        }

        return await RedisOnlineStore.ConnectAsync(Options(TestServices.RequireRedis()));
    }

    protected override async Task<IOnlineStore> ReopenAsync(IOnlineStore store)
    {
        await store.DisposeAsync();
        return await RedisOnlineStore.ConnectAsync(Options(TestServices.RequireRedis()));
    }

    // Generous timeouts: these tests check behaviour, and a loaded CI machine must not turn them into outage tests.
    private RedisOnlineStoreOptions Options(string address) => new()
    {
        Configuration = address,
        KeyPrefix = _prefix,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        CommandTimeout = TimeSpan.FromSeconds(5),
    };
}
