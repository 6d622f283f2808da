using ModelDock.Features.Online;
using Xunit;
using Xunit.Abstractions;

namespace ModelDock.Testing.Features;

/// <summary>
/// The behaviour every <see cref="IOnlineStore"/> must have. A store's test class derives from this and says
/// how to open (and reopen) an empty store; a store that needs an absent server returns null and each test
/// stops early, writing the reason to the test output.
/// </summary>
public abstract class OnlineStoreContractTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Stats = ["clicks", "rate"];
    private static readonly OnlineReadPlan StatsPlan = new([new OnlineViewRequest("stats", Stats)]);

    protected ITestOutputHelper Output { get; } = output;

    /// <summary>An empty store private to the calling test, or null (see <see cref="SkipReason"/>) when its server is absent.</summary>
    protected abstract Task<IOnlineStore?> CreateStoreAsync();

    /// <summary>Closes the store and opens the same data again.</summary>
    protected abstract Task<IOnlineStore> ReopenAsync(IOnlineStore store);

    protected abstract string SkipReason { get; }

    [Fact]
    public async Task Read_AfterWrite_ReturnsEveryTypeExactly()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        string[] names = ["i32", "i64", "f32", "f64", "text", "flag", "when", "missing"];
        var when = new DateTimeOffset(2025, 6, 1, 12, 30, 15, 123, TimeSpan.Zero);
        FeatureValue[] values =
        [
            FeatureValue.FromInt32(-7), FeatureValue.FromInt64(long.MaxValue), FeatureValue.FromFloat(1.5f),
            FeatureValue.FromDouble(Math.PI), FeatureValue.FromString("héllo, 世界"), FeatureValue.FromBool(true),
            FeatureValue.FromTimestamp(when), FeatureValue.Null,
        ];
        var key = EntityKey.Create("driver_id", FeatureValue.FromInt64(1001));
        await store.WriteAsync("all_types", names, [new OnlineWriteRow(key, values, T0)], default);

        var result = await store.ReadAsync([key], new OnlineReadPlan([new OnlineViewRequest("all_types", names)]), default);

        for (var c = 0; c < names.Length; c++)
        {
            Assert.True(result.IsFound(0, c), names[c]);
            Assert.Equal(values[c], result.GetValue(0, c));
        }

        Assert.Equal(Math.PI, result.GetValue(0, 3).AsDouble());
        Assert.Equal(when, result.GetValue(0, 6).AsTimestamp());
        Assert.Equal(T0, result.GetEventTimestamp(0, 0));
    }

    [Fact]
    public async Task Write_OlderAfterNewer_KeepsNewer()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        var key = Key(1);
        var newer = await store.WriteAsync("stats", Stats, [Row(key, 10, T0.AddHours(2))], default);
        var older = await store.WriteAsync("stats", Stats, [Row(key, 5, T0.AddHours(1))], default);

        var result = await store.ReadAsync([key], StatsPlan, default);
        Assert.Equal((1, 0), (newer, older));
        Assert.Equal(10, result.GetValue(0, 0).AsInt64());
        Assert.Equal(T0.AddHours(2), result.GetEventTimestamp(0, 0));
    }

    [Fact]
    public async Task Write_NewerAfterOlder_Replaces()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        var key = Key(1);
        await store.WriteAsync("stats", Stats, [Row(key, 5, T0)], default);
        await store.WriteAsync("stats", Stats, [Row(key, 6, T0.AddSeconds(1))], default);

        var result = await store.ReadAsync([key], StatsPlan, default);
        Assert.Equal(6, result.GetValue(0, 0).AsInt64());
    }

    [Fact]
    public async Task Write_SameEventTime_LaterCreatedWinsEitherOrder()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        var (a, b) = (Key(1), Key(2));
        await store.WriteAsync("stats", Stats, [Row(a, 1, T0, T0.AddMinutes(5)), Row(b, 2, T0, T0.AddMinutes(1))], default);
        await store.WriteAsync("stats", Stats, [Row(a, 3, T0, T0.AddMinutes(1)), Row(b, 4, T0, T0.AddMinutes(5))], default);

        var result = await store.ReadAsync([a, b], StatsPlan, default);
        Assert.Equal(1, result.GetValue(0, 0).AsInt64());
        Assert.Equal(4, result.GetValue(1, 0).AsInt64());
    }

    [Fact]
    public async Task Write_SameRowsTwice_LeavesSameState()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        OnlineWriteRow[] rows = [.. Enumerable.Range(0, 20).Select(i => Row(Key(i), i * 3, T0.AddMinutes(i)))];
        await store.WriteAsync("stats", Stats, rows, default);
        var first = await store.ReadAsync([.. rows.Select(r => r.Key)], StatsPlan, default);
        await store.WriteAsync("stats", Stats, rows, default);
        var second = await store.ReadAsync([.. rows.Select(r => r.Key)], StatsPlan, default);

        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(i * 3, second.GetValue(i, 0).AsInt64());
            Assert.Equal(first.GetValue(i, 1), second.GetValue(i, 1));
            Assert.Equal(T0.AddMinutes(i), second.GetEventTimestamp(i, 0));
        }
    }

    [Fact]
    public async Task Read_ThousandsOfKeysInAnyOrder_EveryKeyGetsItsOwnRow()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        OnlineWriteRow[] rows = [.. Enumerable.Range(0, 1000).Select(i => Row(Key(i), i * 7, T0))];
        await store.WriteAsync("stats", Stats, rows, default);
        var random = new Random(5);
        var ids = Enumerable.Range(0, 5000).Select(_ => random.Next(0, 1500)).ToArray();

        var result = await store.ReadAsync([.. ids.Select(Key)], StatsPlan, default);

        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal(ids[i] < 1000, result.IsFound(i, 0));
            if (ids[i] < 1000)
            {
                Assert.Equal(ids[i] * 7, result.GetValue(i, 0).AsInt64());
            }
        }
    }

    /// <summary>Found by a user: 100,000 keys in one read exceeded SQLite's limit of variables per statement.</summary>
    [Fact]
    public async Task Read_HundredThousandKeys_EveryKeyGetsItsOwnRow()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        const int keys = 100_000;
        OnlineWriteRow[] rows = [.. Enumerable.Range(0, keys).Select(i => Row(Key(i), i * 3L, T0))];
        await store.WriteAsync("stats", Stats, rows, default);

        var result = await store.ReadAsync([.. Enumerable.Range(0, keys + 10).Select(i => Key(keys + 9 - i))], StatsPlan, default);

        Assert.Equal(keys + 10, result.EntityCount);
        for (var i = 0; i < keys + 10; i++)
        {
            var id = keys + 9 - i;
            Assert.Equal(id < keys, result.IsFound(i, 0));
            if (id < keys)
            {
                Assert.Equal(id * 3L, result.GetValue(i, 0).AsInt64());
            }
        }
    }

    [Fact]
    public async Task Read_MissingKeyAndView_ReportsNotFoundInRequestOrder()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        await store.WriteAsync("stats", Stats, [Row(Key(2), 20, T0)], default);
        var plan = new OnlineReadPlan([new OnlineViewRequest("stats", Stats), new OnlineViewRequest("never_written", ["x"])]);

        var result = await store.ReadAsync([Key(1), Key(2), Key(3)], plan, default);

        Assert.False(result.IsFound(0, 0));
        Assert.Null(result.GetEventTimestamp(0, 0));
        Assert.Equal(20, result.GetValue(1, 0).AsInt64());
        Assert.False(result.IsFound(1, 2));
        Assert.Null(result.GetEventTimestamp(1, 1));
        Assert.False(result.IsFound(2, 1));
    }

    [Fact]
    public async Task Read_FiveViewsManyKeys_ReturnsEachViewsFeaturesInPlanColumns()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        var keys = Enumerable.Range(0, 7).Select(Key).ToArray();
        var views = new List<OnlineViewRequest>();
        for (var v = 0; v < 5; v++)
        {
            var names = Enumerable.Range(0, 10).Select(f => $"f{f}").ToArray();
            var view = $"view{v}";
            var rows = keys.Select((k, i) => new OnlineWriteRow(
                k, [.. names.Select((_, f) => FeatureValue.FromDouble((i * 1000) + (v * 10) + f))], T0.AddSeconds(v))).ToArray();
            await store.WriteAsync(view, names, rows, default);

            // Ask for the features in reverse order so decoding cannot rely on stored positions.
            views.Add(new OnlineViewRequest(view, [.. names.Reverse()]));
        }

        var result = await store.ReadAsync(keys, new OnlineReadPlan(views), default);

        for (var i = 0; i < keys.Length; i++)
        {
            for (var v = 0; v < 5; v++)
            {
                Assert.Equal(T0.AddSeconds(v), result.GetEventTimestamp(i, v));
                for (var c = 0; c < 10; c++)
                {
                    var feature = 9 - c;
                    Assert.Equal((i * 1000) + (v * 10) + feature, result.GetValue(i, (v * 10) + c).AsDouble());
                }
            }
        }
    }

    [Fact]
    public async Task Read_Int64AndStringKeysWithSameText_AreDistinct()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        var asNumber = EntityKey.Create("id", FeatureValue.FromInt64(1));
        var asText = EntityKey.Create("id", FeatureValue.FromString("1"));
        var asInt32 = EntityKey.Create("id", FeatureValue.FromInt32(1));
        await store.WriteAsync("stats", Stats, [Row(asNumber, 100, T0), Row(asText, 200, T0)], default);

        var result = await store.ReadAsync([asText, asNumber, asInt32], StatsPlan, default);

        Assert.Equal(200, result.GetValue(0, 0).AsInt64());
        Assert.Equal(100, result.GetValue(1, 0).AsInt64());
        Assert.False(result.IsFound(2, 0));
    }

    [Fact]
    public async Task Read_CompositeKeyInAnyJoinKeyOrder_FindsSameRow()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        var written = EntityKey.Create([new("store", FeatureValue.FromString("s1")), new("item", FeatureValue.FromInt64(9))]);
        var asked = EntityKey.Create([new("item", FeatureValue.FromInt64(9)), new("store", FeatureValue.FromString("s1"))]);
        await store.WriteAsync("stats", Stats, [Row(written, 42, T0)], default);

        var result = await store.ReadAsync([asked], StatsPlan, default);

        Assert.Equal(42, result.GetValue(0, 0).AsInt64());
    }

    [Fact]
    public async Task Read_FeatureTheRowLacks_IsNotFoundWhileOthersAre()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        await store.WriteAsync("stats", ["clicks"], [new OnlineWriteRow(Key(1), [FeatureValue.FromInt64(3)], T0)], default);

        var result = await store.ReadAsync([Key(1)], StatsPlan, default);

        Assert.Equal(3, result.GetValue(0, 0).AsInt64());
        Assert.False(result.IsFound(0, 1));
        Assert.Equal(T0, result.GetEventTimestamp(0, 0));
    }

    [Fact]
    public async Task Reopen_AfterAcknowledgedWrite_KeepsValues()
    {
        var store = await Open();
        if (store is null)
        {
            return;
        }

        await store.WriteAsync("stats", Stats, [Row(Key(5), 55, T0)], default);
        await using var reopened = await ReopenAsync(store);

        var result = await reopened.ReadAsync([Key(5)], StatsPlan, default);

        Assert.Equal(55, result.GetValue(0, 0).AsInt64());
    }

    [Fact]
    public async Task Write_ConcurrentWritersAndReaders_NewestEventPerKeyWins()
    {
        await using var store = await Open();
        if (store is null)
        {
            return;
        }

        const int keys = 10;
        const int writers = 8;
        var random = new Random(1234);
        var batches = Enumerable.Range(0, writers).Select(_ => Enumerable.Range(0, 50)
            .Select(_ => (Key: random.Next(keys), Minute: random.Next(10_000)))
            .ToArray()).ToArray();
        var expected = new long[keys];
        Array.Fill(expected, -1);
        foreach (var (key, minute) in batches.SelectMany(b => b))
        {
            expected[key] = Math.Max(expected[key], minute);
        }

        var allKeys = Enumerable.Range(0, keys).Select(Key).ToArray();
        var writes = batches.Select(batch => Task.Run(async () =>
        {
            foreach (var (key, minute) in batch)
            {
                await store.WriteAsync("stats", Stats, [Row(Key(key), minute, T0.AddMinutes(minute))], default);
            }
        }));
        var reads = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                var seen = await store.ReadAsync(allKeys, StatsPlan, default);
                for (var k = 0; k < keys; k++)
                {
                    // A row is always whole: its value and its timestamp come from the same write.
                    if (seen.IsFound(k, 0))
                    {
                        Assert.Equal(T0.AddMinutes(seen.GetValue(k, 0).AsInt64()), seen.GetEventTimestamp(k, 0));
                    }
                }
            }
        }));
        await Task.WhenAll(writes.Concat(reads));

        var result = await store.ReadAsync(allKeys, StatsPlan, default);
        for (var k = 0; k < keys; k++)
        {
            Assert.Equal(expected[k], result.IsFound(k, 0) ? result.GetValue(k, 0).AsInt64() : -1);
        }
    }

    protected static EntityKey Key(int id) => EntityKey.Create("driver_id", FeatureValue.FromInt64(id));

    private static OnlineWriteRow Row(EntityKey key, long clicks, DateTimeOffset eventTime, DateTimeOffset? created = null) =>
        new(key, [FeatureValue.FromInt64(clicks), FeatureValue.FromDouble(clicks / 2.0)], eventTime, created);

    private async Task<IOnlineStore?> Open()
    {
        var store = await CreateStoreAsync();
        if (store is null)
        {
            Output.WriteLine("Not run: " + SkipReason);
        }

        return store;
    }
}
