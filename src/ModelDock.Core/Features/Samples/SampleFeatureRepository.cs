using ModelDock.Errors;

namespace ModelDock.Features.Samples;

/// <summary>
/// The feature repository <c>modeldock features init</c> writes: one entity, a Parquet source made with
/// <see cref="SampleFeatureData"/>, a view over it and a service, small enough to read in a minute and valid as
/// written, so apply, materialize, serve and a lookup work on it at once. The data is the same on every run.
/// </summary>
internal static class SampleFeatureRepository
{
    public const string DefinitionsFile = "features.yaml";
    public const string SourceFile = "data/driver_stats.parquet";
    public const string View = "driver_stats";
    public const string Service = "driver_activity";
    public const long FirstDriver = 1001;
    public const long Drivers = 10;

    /// <summary>Event times lie in [<see cref="Start"/>, <see cref="End"/>): the interval to materialize.</summary>
    public static readonly DateTime Start = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static readonly DateTime End = new(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc);

    public static readonly IReadOnlyList<string> Features = ["conv_rate", "acc_rate"];

    private const string Definitions = """
        # A sample feature repository. Change it, then run 'modeldock features apply' on this folder again:
        # materialize, history and serve read the definitions as last applied, never this file directly.
        entities:
          - name: driver
            join_keys: [driver_id]
            value_type: INT64
            description: A driver, 1001 to 1010 in the sample data.
        sources:
          - name: driver_stats_source
            path: data/driver_stats.parquet   # relative to this folder
            timestamp_field: event_timestamp
            created_timestamp_column: created
        feature_views:
          - name: driver_stats
            entities: [driver]
            ttl: 0                            # no age limit; e.g. 1d reports values older than a day as OUTSIDE_MAX_AGE
            source: driver_stats_source
            schema:
              - {name: conv_rate, dtype: DOUBLE}
              - {name: acc_rate, dtype: DOUBLE}
            tags: {team: drivers}
        feature_services:
          - name: driver_activity
            features:
              - driver_stats
        """;

    /// <summary>Writes the repository into <paramref name="folder"/>, which must be missing or empty.</summary>
    public static void Write(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            throw new ModelDockException(ErrorKind.Conflict, $"'{folder}' is not empty; give a new or empty folder.");
        }

        Directory.CreateDirectory(folder);
        SampleFeatureData.WriteSource(
            Path.Combine(folder, SourceFile), rows: 1000, Drivers, "driver_id", [.. Features], Start, End - Start, seed: 7, FirstDriver);
        File.WriteAllText(Path.Combine(folder, DefinitionsFile), Definitions.ReplaceLineEndings("\n") + "\n");
    }
}
