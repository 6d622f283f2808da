using System.Text;
using ModelDock.Errors;
using ModelDock.Features.Online;
using StackExchange.Redis;

namespace ModelDock.Redis.Features;

/// <summary>
/// The Redis online store, laid out as Feast does: one hash per entity key, one field per feature view
/// holding the encoded row (timestamps first). A read is one script call per <see cref="KeysPerCommand"/>
/// keys (an HMGET per key inside Redis), all sent in one pipeline flush, so a request costs one round trip.
/// Writes go through a script that keeps the stored row when it is newer, so last-write-wins holds even with
/// concurrent writers.
/// </summary>
public sealed class RedisOnlineStore : IOnlineStore
{
    // One HMGET command per key cost the client a task, a message and a reply object each, which was most of a
    // 200-key read; one script call answers many keys with one reply. Bounded so one call never holds Redis's
    // single thread for long.
    private const int KeysPerCommand = 1_000;

    private const string ReadScript = """
        local rows = {}
        for i, key in ipairs(KEYS) do
            rows[i] = redis.call('HMGET', key, unpack(ARGV))
        end
        return rows
        """;

    // Rows start with fixed-width decimal ticks (event, then created), so comparing those bytes as text orders rows by time.
    private static readonly string WriteScript = $"""
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if current and string.sub(current, 1, {OnlineRowCodec.HeaderLength}) > string.sub(ARGV[2], 1, {OnlineRowCodec.HeaderLength}) then
            return 0
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        return 1
        """;

    private readonly ConnectionMultiplexer _connection;
    private readonly byte[] _prefix;
    private readonly TimeSpan _commandTimeout;
    private long _roundTrips;

    private RedisOnlineStore(ConnectionMultiplexer connection, RedisOnlineStoreOptions options)
    {
        _connection = connection;
        _prefix = Encoding.UTF8.GetBytes(options.KeyPrefix);
        _commandTimeout = options.CommandTimeout;
    }

    public string Name => "redis";

    /// <summary>Pipeline flushes sent by reads; benchmarks report it as round trips.</summary>
    public long ReadRoundTrips => Interlocked.Read(ref _roundTrips);

    /// <summary>
    /// Connects without waiting for Redis to be up: a store created while Redis is down reports unavailable
    /// on use and starts working by itself once Redis answers.
    /// </summary>
    public static async Task<RedisOnlineStore> ConnectAsync(RedisOnlineStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ConfigurationOptions configuration;
        try
        {
            configuration = ConfigurationOptions.Parse(options.Configuration);
        }
        catch (ArgumentException e)
        {
            throw ModelDockException.InvalidInput($"Redis configuration '{options.Configuration}' is invalid: {e.Message}");
        }

        configuration.AbortOnConnectFail = false;
        configuration.ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds;
        configuration.SyncTimeout = (int)options.CommandTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = (int)options.CommandTimeout.TotalMilliseconds;
        configuration.ConnectRetry = 1;
        configuration.ReconnectRetryPolicy = new LinearRetry(500);
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var connection = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        return new RedisOnlineStore(connection, options);
    }

    public async Task<int> WriteAsync(string view, IReadOnlyList<string> featureNames, IReadOnlyList<OnlineWriteRow> rows, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(view);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(rows);
        var names = featureNames.Select(Encoding.UTF8.GetBytes).ToArray();
        var database = _connection.GetDatabase();
        var pending = new Task<RedisResult>[rows.Count];
        try
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var row = rows[i];
                var created = row.CreatedTimestamp?.UtcTicks ?? 0;
                var encoded = OnlineRowCodec.Encode(names, row.Values, row.EventTimestamp.UtcTicks, created);
                pending[i] = database.ScriptEvaluateAsync(WriteScript, [KeyOf(row.Key)], [view, encoded]);
            }

            var replaced = 0;
            foreach (var result in await Task.WhenAll(pending).ConfigureAwait(false))
            {
                replaced += (int)result;
            }

            return replaced;
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            await ObserveAll(pending).ConfigureAwait(false);
            throw Unreachable(e);
        }
    }

    public async ValueTask<OnlineReadResult> ReadAsync(IReadOnlyList<EntityKey> keys, OnlineReadPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(plan);
        var result = new OnlineReadResult(plan, keys.Count);
        if (keys.Count == 0)
        {
            return result;
        }

        var fields = new RedisValue[plan.Views.Count];
        for (var v = 0; v < fields.Length; v++)
        {
            fields[v] = plan.Views[v].View;
        }

        var database = _connection.GetDatabase();
        var pending = new Task<RedisResult>[(keys.Count + KeysPerCommand - 1) / KeysPerCommand];
        try
        {
            // Issuing every command before awaiting any lets the multiplexer write them in one flush.
            for (var c = 0; c < pending.Length; c++)
            {
                var start = c * KeysPerCommand;
                var redisKeys = new RedisKey[Math.Min(KeysPerCommand, keys.Count - start)];
                for (var i = 0; i < redisKeys.Length; i++)
                {
                    redisKeys[i] = KeyOf(keys[start + i]);
                }

                pending[c] = database.ScriptEvaluateAsync(ReadScript, redisKeys, fields);
            }

            Interlocked.Increment(ref _roundTrips);
            for (var c = 0; c < pending.Length; c++)
            {
                var entities = (RedisResult[])(await pending[c].ConfigureAwait(false))!;
                for (var i = 0; i < entities.Length; i++)
                {
                    var rows = (RedisResult[])entities[i]!;
                    for (var v = 0; v < rows.Length; v++)
                    {
                        var row = (RedisValue)rows[v];
                        if (!row.IsNull)
                        {
                            result.SetRow((c * KeysPerCommand) + i, v, ((ReadOnlyMemory<byte>)row).Span);
                        }
                    }
                }
            }

            return result;
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            await ObserveAll(pending).ConfigureAwait(false);
            throw Unreachable(e);
        }
    }

    public async ValueTask<OnlineStoreHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            var latency = await _connection.GetDatabase().PingAsync().ConfigureAwait(false);
            // The configuration string can hold a password, and the health endpoint answers anyone: no address here.
            return OnlineStoreHealth.Healthy($"redis answered in {latency.TotalMilliseconds:0.###} ms");
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            return OnlineStoreHealth.Unhealthy(Unreachable(e).Message);
        }
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync().ConfigureAwait(false);

    private static bool IsConnectionFailure(Exception e) =>
        e is RedisConnectionException or RedisTimeoutException or ObjectDisposedException;

    /// <summary>Waits for the commands still in flight so none of their failures goes unobserved.</summary>
    private static async Task ObserveAll(Task[] pending)
    {
        foreach (var task in pending)
        {
            if (task is not null)
            {
                await task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Clients see this message (503 and the health endpoint), so it says what failed without the client library's
    /// text, which carries the server's address, the machine's name and connection internals; the exception keeps it.
    /// </summary>
    private ModelDockException Unreachable(Exception e) => new(ErrorKind.Unavailable, e switch
    {
        RedisTimeoutException => $"online store 'redis' is unreachable: no answer within {_commandTimeout.TotalMilliseconds:0} ms.",
        RedisConnectionException connection => $"online store 'redis' is unreachable: no connection ({connection.FailureType}).",
        _ => "online store 'redis' is unreachable: the connection is closed.",
    }, e);

    private RedisKey KeyOf(EntityKey key)
    {
        var bytes = key.Span;
        var full = new byte[_prefix.Length + bytes.Length];
        _prefix.CopyTo(full, 0);
        bytes.CopyTo(full.AsSpan(_prefix.Length));
        return full;
    }
}
