using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Features;

public sealed class FeatureRepositoryLoaderTests
{
    internal const string ValidYaml = """
        entities:
          - name: driver
            join_keys: [driver_id]
            value_type: INT64
            description: A driver
        sources:
          - name: driver_stats_source
            path: data/driver_stats.parquet
            timestamp_field: event_timestamp
            created_timestamp_column: created
        feature_views:
          - name: driver_stats
            entities: [driver]
            ttl: 1d
            source: driver_stats_source
            schema:
              - name: conv_rate
                dtype: DOUBLE
              - name: trips
                dtype: INT64
            tags:
              team: drivers
        feature_services:
          - name: driver_model
            features:
              - driver_stats
        """;

    [Fact]
    public void Load_ValidRepository_BuildsResolvedDefinitions()
    {
        using var folder = new TempFolder();
        folder.Write("repo.yaml", ValidYaml);

        var result = FeatureRepositoryLoader.Load(folder.Path);

        Assert.Empty(result.Errors);
        var repository = result.GetRepositoryOrThrow();
        var view = repository.GetFeatureView("driver_stats");
        Assert.Equal(TimeSpan.FromDays(1), view.Ttl);
        Assert.True(view.Online);
        Assert.Equal([new FeatureField("conv_rate", FeatureValueType.Double), new FeatureField("trips", FeatureValueType.Int64)], view.Schema);
        Assert.Equal("drivers", view.Tags["team"]);
        Assert.Equal([new JoinKey("driver_id", FeatureValueType.Int64)], repository.GetJoinKeys(view));
        Assert.Equal(
            [new FeatureReference("driver_stats", "conv_rate"), new FeatureReference("driver_stats", "trips")],
            repository.GetFeatureService("driver_model").Features);
        Assert.Equal(Path.Combine(Path.GetFullPath(folder.Path), "data", "driver_stats.parquet"),
            repository.GetSourcePath(repository.GetSource("driver_stats_source")));
    }

    [Fact]
    public void Load_DefinitionsSplitOverFiles_MergesThem()
    {
        using var folder = new TempFolder();
        var split = ValidYaml.IndexOf("feature_views:", StringComparison.Ordinal);
        folder.Write("a.yaml", ValidYaml[..split]);
        folder.Write("b.yml", ValidYaml[split..]);

        var repository = FeatureRepositoryLoader.Load(folder.Path).GetRepositoryOrThrow();

        Assert.Single(repository.FeatureViews);
        Assert.Single(repository.Entities);
    }

    [Theory]
    [InlineData("1d", 86400)]
    [InlineData("3600s", 3600)]
    [InlineData("0", 0)]
    [InlineData("1h30m", 5400)]
    [InlineData("90", 90)]
    public void Load_Ttl_ParsesUnits(string ttl, int expectedSeconds)
    {
        using var folder = new TempFolder();
        folder.Write("repo.yaml", ValidYaml.Replace("ttl: 1d", "ttl: " + ttl, StringComparison.Ordinal));

        var view = FeatureRepositoryLoader.Load(folder.Path).GetRepositoryOrThrow().GetFeatureView("driver_stats");

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), view.Ttl);
    }

    [Fact]
    public void Load_ViewWithUnknownEntity_ReportsLocationAndName()
    {
        using var folder = new TempFolder();
        var file = folder.Write("repo.yaml", ValidYaml.Replace("entities: [driver]", "entities: [rider]", StringComparison.Ordinal));

        var error = Assert.Single(FeatureRepositoryLoader.Load(folder.Path).Errors);

        // "    entities: [rider]" is line 13; the item starts at column 16.
        Assert.Equal($"{file}:13:16: Feature view 'driver_stats' refers to unknown entity 'rider'.", error.ToString());
    }

    [Fact]
    public void Load_ViewWithUnknownSource_ReportsLocationAndName()
    {
        using var folder = new TempFolder();
        var file = folder.Write("repo.yaml", ValidYaml.Replace("source: driver_stats_source", "source: nowhere", StringComparison.Ordinal));

        var error = Assert.Single(FeatureRepositoryLoader.Load(folder.Path).Errors);

        Assert.Equal($"{file}:15:13: Feature view 'driver_stats' refers to unknown source 'nowhere'.", error.ToString());
    }

    [Fact]
    public void Load_ServiceWithUnknownViewAndFeature_ReportsBoth()
    {
        using var folder = new TempFolder();
        var yaml = ValidYaml.Replace("      - driver_stats", "      - rider_stats\n      - driver_stats:speed", StringComparison.Ordinal);
        var file = folder.Write("repo.yaml", yaml);

        var errors = FeatureRepositoryLoader.Load(folder.Path).Errors.Select(e => e.ToString()).ToArray();

        Assert.Equal(
            [
                $"{file}:26:9: Feature service 'driver_model' refers to unknown feature view 'rider_stats'.",
                $"{file}:27:9: Feature service 'driver_model' refers to unknown feature 'speed' of feature view 'driver_stats'.",
            ],
            errors);
    }

    [Fact]
    public void Load_DuplicateViewAcrossFiles_NamesFirstDefinition()
    {
        using var folder = new TempFolder();
        var first = folder.Write("a.yaml", ValidYaml);
        var second = folder.Write("b.yaml", """
            feature_views:
              - name: driver_stats
                source: driver_stats_source
                schema:
                  - name: x
                    dtype: INT64
            """);

        var error = Assert.Single(FeatureRepositoryLoader.Load(folder.Path).Errors);

        Assert.Equal($"{second}:2:5: Duplicate feature view 'driver_stats'; first defined at {first}:12:5.", error.ToString());
    }

    [Fact]
    public void Load_MissingRequiredFieldBadTtlAndBadDtype_ReportsEach()
    {
        using var folder = new TempFolder();
        var yaml = ValidYaml
            .Replace("    timestamp_field: event_timestamp\n", string.Empty, StringComparison.Ordinal)
            .Replace("ttl: 1d", "ttl: 1week", StringComparison.Ordinal)
            .Replace("dtype: INT64", "dtype: DECIMAL", StringComparison.Ordinal);
        var file = folder.Write("repo.yaml", yaml);

        var errors = FeatureRepositoryLoader.Load(folder.Path).Errors.Select(e => e.ToString()).ToArray();

        Assert.Contains($"{file}:7:5: Missing required field 'timestamp_field' in source 'driver_stats_source'.", errors);
        Assert.Contains(errors, e => e.StartsWith($"{file}:13:10: Invalid ttl '1week' in feature view 'driver_stats'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith($"{file}:19:16: Unknown dtype 'DECIMAL' in feature 'trips' of feature view 'driver_stats'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_UnknownField_ReportsItsLocation()
    {
        using var folder = new TempFolder();
        var file = folder.Write("repo.yaml", ValidYaml.Replace("    ttl: 1d\n", "    ttl: 1d\n    tll: 2d\n", StringComparison.Ordinal));

        var error = Assert.Single(FeatureRepositoryLoader.Load(folder.Path).Errors);

        Assert.StartsWith($"{file}:15:5: Unknown field 'tll' in a feature view", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InvalidYaml_ReportsParserLocation()
    {
        using var folder = new TempFolder();
        var file = folder.Write("repo.yaml", "entities:\n  - name: [driver\n");

        var error = Assert.Single(FeatureRepositoryLoader.Load(folder.Path).Errors);

        Assert.StartsWith(file + ":", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Invalid YAML", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Found by the fuzzer: YamlDotNet's parser fails on this unclosed flow sequence with an InvalidOperationException.</summary>
    [Fact]
    public void Load_YamlTheParserFailsInside_ReportsInvalidYaml()
    {
        using var folder = new TempFolder();
        var file = folder.Write("repo.yaml", """
            entities:
              - name: driver
                join_keys: [driver_itype: INT64
                description: A driver
              - name: customer
                join_keys: [customer_id]
                value_type: STRING
            sources:
              - name: driver_stats_source
                path: data/driver_stats.parquet
                timestamp_field: event_timestamp
                created_timestamp_column: created
              - name: customer_source
                path: data/customer.csv
                timestamp_field: event_timestamp
            feature_views:
              - name: driver_stats
            entities: [driver]
                ttl: 2h
                source: driver_stats_source
                schema:
                  - name: conv_rate
                    dtype: DOUBLE
                  - name: trips
                join_keys: [driver_id]
                    dtype: INT64
                  - name: active
                    dtype: BOOL
                tags:
                  team: drivers
              - name: customer_stats
                entities: [customer]
                ttl: 0
                source: customer_source
                online: true
                schema:
                  - name: segment
                    \ud800dtype: STRING
                  - name: spend
                    dtype: FLOAT
            featureNaN_services:
              - name: driver_model_v1
                features:
                  - driver_stats:conv_rate
                  - driver_stats:trips
                description: Inputs of the driver model
            """);

        var error = Assert.Single(FeatureRepositoryLoader.Load(folder.Path).Errors);

        Assert.StartsWith(file + ":", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Invalid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetRepositoryOrThrow_Errors_ThrowsInvalidInputListingThem()
    {
        using var folder = new TempFolder();
        folder.Write("repo.yaml", ValidYaml.Replace("entities: [driver]", "entities: [rider]", StringComparison.Ordinal));

        var ex = Assert.Throws<ModelDockException>(() => FeatureRepositoryLoader.Load(folder.Path).GetRepositoryOrThrow());

        Assert.Equal(ErrorKind.InvalidInput, ex.Kind);
        Assert.Contains("unknown entity 'rider'", ex.Message, StringComparison.Ordinal);
    }
}
