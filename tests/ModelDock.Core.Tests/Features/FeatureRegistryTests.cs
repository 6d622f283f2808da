using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Registry;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Features;

public sealed class FeatureRegistryTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Apply_FirstTime_AddsEveryObjectAtVersionOne()
    {
        using var registry = new FeatureRegistry(_folder.Combine("data"), _time);

        var result = registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml));

        Assert.Equal(4, result.Changes.Count);
        Assert.All(result.Changes, c => Assert.Equal((FeatureChangeKind.Added, 1), (c.Change, c.Version)));
    }

    [Fact]
    public void Apply_Unchanged_ReportsNothingAndKeepsVersions()
    {
        using var registry = new FeatureRegistry(_folder.Combine("data"), _time);
        registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml));

        var result = registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml));

        Assert.Empty(result.Changes);
        Assert.Equal([1], registry.GetVersions(FeatureObjectKind.FeatureView, "driver_stats"));
        Assert.Equal(1, registry.GetFeatureService("driver_model").Version);
    }

    [Fact]
    public void Apply_AddedFeature_IsCompatibleChangeWithNewVersions()
    {
        using var registry = new FeatureRegistry(_folder.Combine("data"), _time);
        registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml));

        var result = registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml.Replace(
            "      - name: trips\n", "      - name: rating\n        dtype: FLOAT\n      - name: trips\n", StringComparison.Ordinal)));

        var view = Assert.Single(result.Changes, c => c.Kind == FeatureObjectKind.FeatureView);
        Assert.Equal((FeatureChangeKind.Changed, 2, 1), (view.Change, view.Version, view.PreviousVersion));
        Assert.Contains("feature 'rating' added", view.Details);
        var service = Assert.Single(result.Changes, c => c.Kind == FeatureObjectKind.FeatureService);
        Assert.Equal((FeatureChangeKind.Changed, 2), (service.Change, service.Version));
        Assert.False(result.HasBreakingChanges);
    }

    [Theory]
    [InlineData("      - name: trips\n        dtype: INT64\n", "", "breaking: feature 'trips' removed")]
    [InlineData("dtype: INT64", "dtype: STRING", "breaking: feature 'trips' dtype changed from INT64 to STRING")]
    [InlineData("value_type: INT64", "value_type: STRING", "breaking: join keys changed from (driver_id INT64) to (driver_id STRING)")]
    public void Apply_IncompatibleViewChange_ReportsBreaking(string before, string after, string expectedDetail)
    {
        using var registry = new FeatureRegistry(_folder.Combine("data"), _time);
        registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml));

        var result = registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml.Replace(before, after, StringComparison.Ordinal)));

        var view = Assert.Single(result.Changes, c => c.Kind == FeatureObjectKind.FeatureView);
        Assert.Equal(FeatureChangeKind.Breaking, view.Change);
        Assert.Contains(expectedDetail, view.Details);
        Assert.Equal(FeatureChangeKind.Breaking, Assert.Single(result.Changes, c => c.Kind == FeatureObjectKind.FeatureService).Change);
    }

    [Fact]
    public void Apply_RemovedService_ReportsRemovedAndKeepsOldVersionReadable()
    {
        using var registry = new FeatureRegistry(_folder.Combine("data"), _time);
        registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml));
        var yaml = FeatureRepositoryLoaderTests.ValidYaml;

        var result = registry.Apply(Load(yaml[..yaml.IndexOf("feature_services:", StringComparison.Ordinal)]));

        var change = Assert.Single(result.Changes);
        Assert.Equal((FeatureObjectKind.FeatureService, FeatureChangeKind.Removed), (change.Kind, change.Change));
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<ModelDockException>(() => registry.GetFeatureService("driver_model")).Kind);
        Assert.Equal(2, registry.GetFeatureService("driver_model:1").Service.Features.Count);
    }

    [Fact]
    public void GetFeatureService_PinnedVersion_ReturnsViewsAsApplied()
    {
        using var registry = new FeatureRegistry(_folder.Combine("data"), _time);
        registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml));
        registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml.Replace("ttl: 1d", "ttl: 2h", StringComparison.Ordinal)));

        var first = registry.GetFeatureService("driver_model:1");
        var latest = registry.GetFeatureService("driver_model");

        Assert.Equal(TimeSpan.FromDays(1), first.Repository.GetFeatureView("driver_stats").Ttl);
        Assert.Equal(1, first.ViewVersions["driver_stats"]);
        Assert.Equal((2, TimeSpan.FromHours(2)), (latest.Version, latest.Repository.GetFeatureView("driver_stats").Ttl));
    }

    [Theory]
    [InlineData("driver_model:x", ErrorKind.InvalidInput)]
    [InlineData("driver_model:0", ErrorKind.InvalidInput)]
    [InlineData("driver_model:7", ErrorKind.NotFound)]
    [InlineData("nobody", ErrorKind.NotFound)]
    public void GetFeatureService_BadReference_ThrowsPreciseKind(string reference, ErrorKind expected)
    {
        using var registry = new FeatureRegistry(_folder.Combine("data"), _time);
        registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml));

        var ex = Assert.Throws<ModelDockException>(() => registry.GetFeatureService(reference));

        Assert.Equal(expected, ex.Kind);
    }

    [Fact]
    public void GetRepository_AfterReopeningFile_ReturnsSameDefinitions()
    {
        var applied = Load(FeatureRepositoryLoaderTests.ValidYaml);
        using (var registry = new FeatureRegistry(_folder.Combine("data"), _time))
        {
            registry.Apply(applied);
        }

        using var reopened = new FeatureRegistry(_folder.Combine("data"), _time);
        var read = reopened.GetRepository()!;

        Assert.True(File.Exists(_folder.Combine("data", FeatureRegistry.DatabaseFileName)));
        Assert.Equal(applied.Folder, read.Folder);
        Assert.Equal(applied.Entities.Single().JoinKeys, read.Entities.Single().JoinKeys);
        Assert.Equal(applied.Sources, read.Sources);
        var (expectedView, actualView) = (applied.FeatureViews.Single(), read.FeatureViews.Single());
        Assert.Equal(
            (expectedView.Name, expectedView.Ttl, expectedView.Source, expectedView.Online),
            (actualView.Name, actualView.Ttl, actualView.Source, actualView.Online));
        Assert.Equal(expectedView.Schema, actualView.Schema);
        Assert.Equal(expectedView.Entities, actualView.Entities);
        Assert.Equal(expectedView.Tags, actualView.Tags);
        Assert.Equal(applied.FeatureServices.Single().Features, read.FeatureServices.Single().Features);
        Assert.Empty(reopened.Apply(applied).Changes);
    }

    [Fact]
    public void ChangeCounter_ApplyThatChangesSomething_Grows_UnchangedApplyLeavesIt()
    {
        using var registry = new FeatureRegistry(_folder.Combine("data"), _time);
        var before = registry.ChangeCounter();

        registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml));
        var afterFirst = registry.ChangeCounter();
        registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml));
        var afterUnchanged = registry.ChangeCounter();
        registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml.Replace("ttl: 1d", "ttl: 2h", StringComparison.Ordinal)));

        Assert.True(afterFirst > before);
        Assert.Equal(afterFirst, afterUnchanged);
        Assert.True(registry.ChangeCounter() > afterUnchanged);
    }

    [Fact]
    public void Plan_ChangedDefinitions_ReportsTheChangesAndStoresNothing()
    {
        using var registry = new FeatureRegistry(_folder.Combine("data"), _time);
        registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml));
        var counter = registry.ChangeCounter();

        var plan = registry.Plan(Load(FeatureRepositoryLoaderTests.ValidYaml.Replace("ttl: 1d", "ttl: 2h", StringComparison.Ordinal)));

        var view = Assert.Single(plan.Changes, c => c.Kind == FeatureObjectKind.FeatureView);
        Assert.Equal((FeatureChangeKind.Changed, 2), (view.Change, view.Version));
        Assert.Equal([1], registry.GetVersions(FeatureObjectKind.FeatureView, "driver_stats"));
        Assert.Equal(TimeSpan.FromDays(1), registry.GetRepository()!.GetFeatureView("driver_stats").Ttl);
        Assert.Equal(counter, registry.ChangeCounter());
    }

    [Fact]
    public void Sync_ApplyAfterStart_PublishesTheNewDefinitionsOnceAndRemovalsToo()
    {
        using var registry = new FeatureRegistry(_folder.Combine("data"), _time);
        var published = new List<FeatureRepository>();
        var sync = new FeatureRegistrySync(registry, _folder.Path, TimeSpan.FromHours(1), published.Add, NullLogger.Instance);

        sync.Sync();
        registry.Apply(Load(FeatureRepositoryLoaderTests.ValidYaml));
        sync.Sync();
        sync.Sync();
        var yaml = FeatureRepositoryLoaderTests.ValidYaml;
        registry.Apply(Load(yaml[..yaml.IndexOf("feature_services:", StringComparison.Ordinal)]));
        sync.Sync();

        Assert.Equal(3, published.Count);
        Assert.Empty(published[0].FeatureViews);
        Assert.Equal(["driver_stats"], published[1].FeatureViews.Select(v => v.Name));
        Assert.Equal(["driver_model"], published[1].FeatureServices.Select(s => s.Name));
        Assert.Empty(published[2].FeatureServices);
    }

    private FeatureRepository Load(string yaml)
    {
        var repo = _folder.Combine("repo");
        Directory.CreateDirectory(repo);
        File.WriteAllText(Path.Combine(repo, "repo.yaml"), yaml);
        return FeatureRepositoryLoader.Load(repo).GetRepositoryOrThrow();
    }
}
