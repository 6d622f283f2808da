namespace ModelDock.Redis.Features;

/// <summary>How the Redis online store connects; the defaults fail fast so a dead Redis costs a request milliseconds, not seconds.</summary>
public sealed class RedisOnlineStoreOptions
{
    /// <summary>host:port, or any StackExchange.Redis configuration string.</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>Prefix of every key, so several projects can share one Redis database.</summary>
    public string KeyPrefix { get; set; } = "modeldock:online:";

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one command may wait for its answer before the read is reported unavailable.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(1);
}
