using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Features;

/// <summary>
/// The same point-in-time retrieval over every <see cref="DataSourceFormat"/>, with and without a TTL and a
/// created-timestamp column, compared value for value with a plain C# point-in-time join of the same rows.
/// The rows include ties on the event timestamp, rows just inside and just outside the TTL, sub-second
/// timestamps, rows pushed separately, and entity rows whose key has no data or whose time precedes it.
/// </summary>
public sealed class SourceFormatReferenceTests
{
    private static readonly DateTime T0 = new(2026, 6, 1, 8, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    public static TheoryData<DataSourceFormat, bool, bool> Cases()
    {
        var cases = new TheoryData<DataSourceFormat, bool, bool>();
        foreach (var format in Enum.GetValues<DataSourceFormat>())
        {
            foreach (var withTtl in new[] { false, true })
            {
                foreach (var withCreated in new[] { false, true })
                {
                    cases.Add(format, withTtl, withCreated);
                }
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GetHistoricalFeatures_EveryFormat_MatchesReferenceJoin(DataSourceFormat format, bool withTtl, bool withCreated)
    {
        var ttl = withTtl ? Ttl : TimeSpan.Zero;
        var rows = SourceRows(withCreated);
        var entities = EntityRows(rows, ttl);
        using var folder = new TempFolder();
        var sourceFile = "stats" + Extension(format);
        folder.Write("repo/repo.yaml", Yaml(sourceFile, ttl, withCreated));
        var pushed = rows.Where((_, i) => i % 5 == 0).ToArray();
        WriteRows(folder.Combine("repo", sourceFile), rows.Except(pushed), withCreated);
        WriteRows(folder.Combine("data", "offline", "pushed", "stats", "push-1.parquet"), pushed, withCreated);
        var repository = FeatureRepositoryLoader.Load(folder.Combine("repo")).GetRepositoryOrThrow();

        var result = new OfflineStore(folder.Combine("data")).GetHistoricalFeatures(
            EntityTable.FromRows(["driver_id", "event_timestamp"], entities.Select(e => new object?[] { e.Driver, e.Timestamp }).ToArray()),
            new HistoricalFeatureRequest(repository, repository.ResolveFeatures(["stats"])));

        var expected = entities.Select(e => Reference(rows, e.Driver, e.Timestamp, ttl)).ToArray();
        var actual = result.Rows.Select(r => r[2] is null
            ? null
            : new Values((double)r[2]!, (long)r[3]!, (string)r[4]!)).ToArray();
        Assert.Equal(["driver_id", "event_timestamp", "rate", "trips", "label"], result.Columns);
        Assert.Equal(expected, actual);
        Assert.Contains(expected, v => v is null);
        Assert.Contains(expected, v => v is not null);
    }

    /// <summary>Feast's rule, written out: the latest row at or before the entity row, inside the TTL, ties to the latest created.</summary>
    private static Values? Reference(IReadOnlyList<SourceRow> rows, long driver, DateTime timestamp, TimeSpan ttl)
    {
        SourceRow? best = null;
        foreach (var row in rows)
        {
            var eligible = row.Driver == driver && row.Event <= timestamp && (ttl == TimeSpan.Zero || row.Event >= timestamp - ttl);
            if (eligible && (best is null || row.Event > best.Event || (row.Event == best.Event && row.Created > best.Created)))
            {
                best = row;
            }
        }

        return best?.Values;
    }

    /// <summary>
    /// Random rows over drivers 1-4 (driver 5 never has data), plus fixed ties: without a created column, event
    /// timestamps are unique per driver, since nothing would decide between equal ones.
    /// </summary>
    private static List<SourceRow> SourceRows(bool withCreated)
    {
        var random = new Random(20260601);
        var rows = new List<SourceRow>();
        var taken = new HashSet<(long, DateTime)>();
        for (var i = 0; i < 400; i++)
        {
            var driver = random.Next(1, 5);
            var eventTime = T0.AddSeconds(random.Next(0, 7200)).AddMilliseconds(random.Next(4) * 250);
            if (!taken.Add((driver, eventTime)) && !withCreated)
            {
                continue;
            }

            // The i microseconds keep created timestamps distinct, so every tie has one answer.
            var created = eventTime.AddSeconds(random.Next(0, 600)).AddTicks(i * TimeSpan.TicksPerMicrosecond);
            rows.Add(new SourceRow(driver, eventTime, created, new Values(i + 0.25, i * 7L, $"row-{i}")));
        }

        if (withCreated)
        {
            // Same driver and event time three times; the row created last wins whatever its position in the file.
            var tie = T0.AddMinutes(200);
            rows.Add(new SourceRow(3, tie, tie.AddMinutes(5), new Values(-1.5, -1, "tie-middle")));
            rows.Add(new SourceRow(3, tie, tie.AddMinutes(9), new Values(-2.5, -2, "tie-latest")));
            rows.Add(new SourceRow(3, tie, tie.AddMinutes(1), new Values(-3.5, -3, "tie-earliest")));
        }

        return rows;
    }

    /// <summary>Entity rows at, just inside and just outside each row's TTL window, random times, and keys without data.</summary>
    private static List<(long Driver, DateTime Timestamp)> EntityRows(IReadOnlyList<SourceRow> rows, TimeSpan ttl)
    {
        var random = new Random(7);
        var window = ttl == TimeSpan.Zero ? Ttl : ttl;
        var entities = new List<(long, DateTime)>
        {
            (5, T0.AddMinutes(30)),
            (1, T0.AddMinutes(-1)),
            (3, T0.AddMinutes(200)),
            (3, T0.AddMinutes(200) + window),
            (3, T0.AddMinutes(200) + window + TimeSpan.FromMicroseconds(1)),
        };
        for (var i = 0; i < 200; i++)
        {
            var anchor = rows[random.Next(rows.Count)];
            var timestamp = random.Next(4) switch
            {
                0 => anchor.Event,
                1 => anchor.Event + window,
                2 => anchor.Event + window + TimeSpan.FromMicroseconds(1),
                _ => T0.AddSeconds(random.Next(-600, 9000)),
            };
            entities.Add((random.Next(3) == 0 ? random.Next(1, 6) : anchor.Driver, timestamp));
        }

        return entities;
    }

    private static void WriteRows(string path, IEnumerable<SourceRow> rows, bool withCreated)
    {
        var columns = new List<(string, string)> { ("driver_id", "BIGINT"), ("ts", "TIMESTAMP") };
        if (withCreated)
        {
            columns.Add(("created", "TIMESTAMP"));
        }

        columns.AddRange([("rate", "DOUBLE"), ("trips", "BIGINT"), ("label", "VARCHAR")]);
        TestTables.Write(path, columns, rows.Select(r => withCreated
            ? new object?[] { r.Driver, r.Event, r.Created, r.Values.Rate, r.Values.Trips, r.Values.Label }
            : [r.Driver, r.Event, r.Values.Rate, r.Values.Trips, r.Values.Label]));
    }

    private static string Extension(DataSourceFormat format) => format switch
    {
        DataSourceFormat.Parquet => ".parquet",
        DataSourceFormat.Csv => ".csv",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "A new source format needs its extension here."),
    };

    private static string Yaml(string sourceFile, TimeSpan ttl, bool withCreated) => $"""
        entities:
          - name: driver
            join_keys: [driver_id]
            value_type: INT64
        sources:
          - name: stats
            path: {sourceFile}
            timestamp_field: ts
        {(withCreated ? "    created_timestamp_column: created" : string.Empty)}
        feature_views:
          - name: stats
            entities: [driver]
            ttl: {TtlFormat.Format(ttl)}
            source: stats
            schema:
              - name: rate
                dtype: DOUBLE
              - name: trips
                dtype: INT64
              - name: label
                dtype: STRING
        """;

    private sealed record Values(double Rate, long Trips, string Label);

    private sealed record SourceRow(long Driver, DateTime Event, DateTime Created, Values Values);
}
