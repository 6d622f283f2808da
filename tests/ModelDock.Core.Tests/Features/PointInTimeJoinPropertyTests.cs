using FsCheck;
using FsCheck.Xunit;
using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Features;

/// <summary>
/// Compares the offline store with a brute-force reference of Feast's point-in-time join on random data:
/// clustered timestamps (many ties), created-timestamp tie-breaks, late rows, rows pushed separately,
/// entity rows exactly at and just past the TTL boundary, and entities without any rows.
/// </summary>
public sealed class PointInTimeJoinPropertyTests
{
    private static readonly DateTime T0 = new(2026, 5, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan[] StatsTtls = [TimeSpan.Zero, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(17)];
    private static readonly TimeSpan[] ProfileTtls = [TimeSpan.Zero, TimeSpan.FromMinutes(30)];

    [Property(MaxTest = 30)]
    public void GetHistoricalFeatures_RandomData_MatchesBruteForceReference(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var statsTtl = StatsTtls[random.Next(StatsTtls.Length)];
        var profileTtl = ProfileTtls[random.Next(ProfileTtls.Length)];
        var stats = StatsRows(random);
        var profile = ProfileRows(random);
        var entities = EntityRows(random, stats, statsTtl);

        using var folder = new TempFolder();
        folder.Write("repo/repo.yaml", Yaml(statsTtl, profileTtl));
        var pushed = stats.Where(_ => random.Next(3) == 0).ToHashSet();
        TestTables.Write(folder.Combine("repo", "stats.parquet"),
            [("driver_id", "BIGINT"), ("ts", "TIMESTAMP"), ("created", "TIMESTAMP"), ("rate", "DOUBLE")],
            stats.Where(r => !pushed.Contains(r)).Select(r => new object?[] { r.Driver, r.Event, r.Created, r.Value }));
        if (pushed.Count > 0)
        {
            TestTables.Write(folder.Combine("data", "offline", "pushed", "stats", "push-1.parquet"),
                [("driver_id", "BIGINT"), ("ts", "TIMESTAMP"), ("created", "TIMESTAMP"), ("rate", "DOUBLE")],
                pushed.Select(r => new object?[] { r.Driver, r.Event, r.Created, r.Value }));
        }

        TestTables.Write(folder.Combine("repo", "profile.parquet"),
            [("driver_id", "BIGINT"), ("event_timestamp", "TIMESTAMP"), ("score", "DOUBLE")],
            profile.Select(r => new object?[] { r.Driver, r.Event, r.Value }));
        var repository = FeatureRepositoryLoader.Load(folder.Combine("repo")).GetRepositoryOrThrow();
        var store = new OfflineStore(folder.Combine("data"));

        var result = store.GetHistoricalFeatures(
            EntityTable.FromRows(["driver_id", "event_timestamp"], entities.Select(e => new object?[] { e.Driver, e.Timestamp }).ToArray()),
            new HistoricalFeatureRequest(repository, repository.ResolveFeatures(["stats:rate", "profile:score"])));

        var expected = entities.Select(e => (Expected(stats, e, statsTtl), Expected(profile, e, profileTtl))).ToArray();
        var actual = result.Rows.Select(r => ((double?)r[2], (double?)r[3])).ToArray();
        Assert.Equal(expected, actual);
    }

    private static double? Expected(IEnumerable<SourceRow> rows, (long Driver, DateTime Timestamp) entity, TimeSpan ttl) =>
        rows.Where(r => r.Driver == entity.Driver && r.Event <= entity.Timestamp && (ttl == TimeSpan.Zero || r.Event >= entity.Timestamp - ttl))
            .OrderByDescending(r => r.Event)
            .ThenByDescending(r => r.Created)
            .Select(r => (double?)r.Value)
            .FirstOrDefault();

    private static List<SourceRow> StatsRows(Random random)
    {
        var rows = new List<SourceRow>();
        var keys = new HashSet<(long, int, int)>();
        var count = random.Next(0, 60);
        for (var i = 0; i < count; i++)
        {
            var driver = random.Next(1, 5);
            var minute = random.Next(0, 40);
            var createdDelay = random.Next(0, 50);
            if (keys.Add((driver, minute, createdDelay)))
            {
                rows.Add(new SourceRow(driver, T0.AddMinutes(minute), T0.AddMinutes(minute + createdDelay), i + 0.5));
            }
        }

        return rows;
    }

    private static List<SourceRow> ProfileRows(Random random)
    {
        var rows = new List<SourceRow>();
        var keys = new HashSet<(long, int)>();
        var count = random.Next(0, 30);
        for (var i = 0; i < count; i++)
        {
            var driver = random.Next(1, 5);
            var minute = random.Next(0, 60);
            if (keys.Add((driver, minute)))
            {
                rows.Add(new SourceRow(driver, T0.AddMinutes(minute), T0.AddMinutes(minute), 1000 + i));
            }
        }

        return rows;
    }

    private static List<(long Driver, DateTime Timestamp)> EntityRows(Random random, List<SourceRow> stats, TimeSpan ttl)
    {
        var rows = new List<(long, DateTime)>();
        var count = random.Next(1, 40);
        for (var i = 0; i < count; i++)
        {
            var driver = (long)random.Next(1, 6);
            var anchor = stats.Count > 0 ? stats[random.Next(stats.Count)] : null;
            var timestamp = (random.Next(4), anchor) switch
            {
                (0, { } row) => row.Event,
                (1, { } row) => row.Event + ttl,
                (2, { } row) => row.Event + ttl + TimeSpan.FromTicks(10),
                _ => T0.AddSeconds(random.Next(-300, 3600)),
            };
            rows.Add((anchor is not null && random.Next(2) == 0 ? anchor.Driver : driver, timestamp));
        }

        return rows;
    }

    private static string Yaml(TimeSpan statsTtl, TimeSpan profileTtl) => $"""
        entities:
          - name: driver
            join_keys: [driver_id]
            value_type: INT64
        sources:
          - name: stats
            path: stats.parquet
            timestamp_field: ts
            created_timestamp_column: created
          - name: profile_source
            path: profile.parquet
            timestamp_field: event_timestamp
        feature_views:
          - name: stats
            entities: [driver]
            ttl: {TtlFormat.Format(statsTtl)}
            source: stats
            schema:
              - name: rate
                dtype: DOUBLE
          - name: profile
            entities: [driver]
            ttl: {TtlFormat.Format(profileTtl)}
            source: profile_source
            schema:
              - name: score
                dtype: DOUBLE
        """;

    private sealed record SourceRow(long Driver, DateTime Event, DateTime Created, double Value);
}
