using Microsoft.Extensions.Time.Testing;
using ModelDock.Errors;
using ModelDock.Features.Definitions;
using ModelDock.Features.Offline;
using ModelDock.Features.Registry;
using Xunit;

namespace ModelDock.Core.Tests.Features;

public sealed class FeatureHistoryCommandTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task RunAsync_PinnedServiceVersion_UsesTtlOfThatVersion()
    {
        using var fixture = new OfflineFixture("10m");
        fixture.WriteSource((1, 0, 0, 0.5));
        var yaml = File.ReadAllText(fixture.Path("repo", "repo.yaml")) + "\nfeature_services:\n  - name: model\n    features: [driver_stats]\n";
        File.WriteAllText(fixture.Path("repo", "repo.yaml"), yaml);
        using (var registry = new FeatureRegistry(fixture.DataDir, _time))
        {
            registry.Apply(FeatureRepositoryLoader.Load(fixture.Path("repo")).GetRepositoryOrThrow());
            File.WriteAllText(fixture.Path("repo", "repo.yaml"), yaml.Replace("ttl: 10m", "ttl: 0", StringComparison.Ordinal));
            registry.Apply(FeatureRepositoryLoader.Load(fixture.Path("repo")).GetRepositoryOrThrow());
        }

        var entities = fixture.Path("entities.csv");
        TestTables.Write(entities, [("driver_id", "BIGINT"), ("event_timestamp", "TIMESTAMP")], [[1L, OfflineFixture.At(60)]]);
        var command = new FeatureHistoryCommand(_time);
        var reports = new List<RetrievalProgress>();
        var progress = new ListProgress(reports);

        await command.RunAsync(new FeatureHistoryArguments(fixture.DataDir, entities, "model:1", [], fixture.Path("v1.csv")), progress, default);
        await command.RunAsync(new FeatureHistoryArguments(fixture.DataDir, entities, "model:2", [], fixture.Path("v2.csv")), progress, default);

        Assert.EndsWith(",", File.ReadAllLines(fixture.Path("v1.csv"))[1], StringComparison.Ordinal);
        Assert.EndsWith(",0.5", File.ReadAllLines(fixture.Path("v2.csv"))[1], StringComparison.Ordinal);
        Assert.Equal("done", reports[^1].Stage);
    }

    [Fact]
    public async Task RunAsync_NeitherServiceNorFeatures_ThrowsInvalidInput()
    {
        using var fixture = new OfflineFixture("0");
        var command = new FeatureHistoryCommand(_time);

        var ex = await Assert.ThrowsAsync<ModelDockException>(() =>
            command.RunAsync(new FeatureHistoryArguments(fixture.DataDir, "e.parquet", null, [], "out.parquet"), null, default));

        Assert.Equal(ErrorKind.InvalidInput, ex.Kind);
    }

    private sealed class ListProgress(List<RetrievalProgress> reports) : IProgress<RetrievalProgress>
    {
        public void Report(RetrievalProgress value) => reports.Add(value);
    }
}
