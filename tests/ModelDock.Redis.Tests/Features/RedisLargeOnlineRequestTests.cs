using ModelDock.Features.Online;
using ModelDock.Redis.Features;
using ModelDock.Testing;
using ModelDock.Testing.Features;

namespace ModelDock.Redis.Tests.Features;

public sealed class RedisLargeOnlineRequestTests : LargeOnlineRequestTests
{
    protected override async Task<IOnlineStore?> CreateStoreAsync()
    {
        if (TestServices.Redis is null && !TestServices.Required)
        {
            return null;
        }

        return await RedisOnlineStore.ConnectAsync(new RedisOnlineStoreOptions
        {
            Configuration = TestServices.RequireRedis(),
            KeyPrefix = "test:" + Guid.NewGuid().ToString("N") + ":",
            ConnectTimeout = TimeSpan.FromSeconds(5),
            CommandTimeout = TimeSpan.FromSeconds(10),
        });
    }
}
