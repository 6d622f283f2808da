using ModelDock.Errors;
using ModelDock.Registry;
using ModelDock.Runtime;
using ModelDock.Tensors;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Registry;

/// <summary>
/// What every registry metadata store must do; each implementation's test class derives from this one, so SQLite and
/// PostgreSQL answer the same questions the same way.
/// </summary>
public abstract class ModelRegistryStoreContract
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 30, 0, TimeSpan.Zero);

    internal abstract IModelRegistryStore Store { get; }

    [ContractFact]
    public async Task AddVersion_TwoVersions_NumberedFromOneAndEveryFieldRoundTrips()
    {
        var first = await Store.AddVersionAsync(Draft("fraud", "a"), Now, default);
        var second = await Store.AddVersionAsync(Draft("fraud", "b") with { Config = """{"max_batch_size": 8}""" }, Now.AddMinutes(1), default);

        var read = await Store.GetVersionAsync("fraud", 2, default);

        Assert.Equal((1, 2), (first.Version, second.Version));
        Assert.Equal(second.Artifact, read.Artifact);
        Assert.Equal("""{"max_batch_size": 8}""", read.Config);
        Assert.Null((await Store.GetVersionAsync("fraud", 1, default)).Config);
        Assert.Equal("trained on b", read.Description);
        Assert.Equal("b", read.Tags["stage"]);
        Assert.Equal(0.93, read.Metrics["auc"]);
        Assert.Equal("s3://data/b", read.Lineage["training_data"]);
        Assert.Equal("ci", read.CreatedBy);
        Assert.Equal(Now.AddMinutes(1), read.CreatedAt);
        Assert.Equal("input", Assert.Single(read.Signature.Inputs).Name);
        Assert.Equal(DataType.Fp32, read.Signature.Inputs[0].DataType);
        Assert.Equal([-1, 4], read.Signature.Inputs[0].Shape);
        Assert.Equal([-1, 3], Assert.Single(read.Signature.Outputs).Shape);
    }

    [ContractFact]
    public async Task AddVersion_ConcurrentRegistrations_DistinctNumbersNothingLost()
    {
        var added = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() => Store.AddVersionAsync(Draft("busy", $"{i}"), Now, default))));

        Assert.Equal(Enumerable.Range(1, 16).Select(v => (long)v), added.Select(v => v.Version).Order());
        Assert.Equal(16, (await Store.ListVersionsAsync("busy", default)).Count);
    }

    [ContractFact]
    public async Task GetVersion_UnknownModelOrVersion_NotFoundSayingWhich()
    {
        await Store.AddVersionAsync(Draft("known", "a"), Now, default);

        var model = await Assert.ThrowsAsync<ModelDockException>(() => Store.GetVersionAsync("unknown", 1, default));
        var version = await Assert.ThrowsAsync<ModelDockException>(() => Store.GetVersionAsync("known", 7, default));

        Assert.Equal(ErrorKind.NotFound, model.Kind);
        Assert.Contains("model 'unknown' is not registered", model.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorKind.NotFound, version.Kind);
        Assert.Contains("model 'known' has no version 7", version.Message, StringComparison.Ordinal);
    }

    [ContractFact]
    public async Task SetAlias_SetMoveRemove_ResolvesAndRecordsEveryMove()
    {
        await Store.AddVersionAsync(Draft("ranker", "a"), Now, default);
        await Store.AddVersionAsync(Draft("ranker", "b"), Now, default);

        await Store.SetAliasAsync("ranker", "champion", 1, "alice", Now, default);
        await Store.SetAliasAsync("ranker", "champion", 2, "bob", Now.AddHours(1), default);
        var resolved = await Store.ResolveAliasAsync("ranker", "champion", default);
        await Store.RemoveAliasAsync("ranker", "champion", "carol", Now.AddHours(2), default);
        var history = await Store.GetAliasHistoryAsync("ranker", default);

        Assert.Equal(2, resolved);
        Assert.Empty(await Store.GetAliasesAsync("ranker", default));
        Assert.Equal(
            [("champion", (long?)null, (long?)1, "alice"), ("champion", 1, 2, "bob"), ("champion", 2, null, "carol")],
            history.Select(m => (m.Alias, m.From, m.To, m.By)));
        Assert.Equal(Now.AddHours(1), history[1].At);
    }

    [ContractFact]
    public async Task SetAlias_VersionMissing_NotFoundAndNothingRecorded()
    {
        await Store.AddVersionAsync(Draft("ranker", "a"), Now, default);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => Store.SetAliasAsync("ranker", "champion", 5, "alice", Now, default));

        Assert.Equal(ErrorKind.NotFound, error.Kind);
        Assert.Contains("has no such version", error.Message, StringComparison.Ordinal);
        Assert.Empty(await Store.GetAliasHistoryAsync("ranker", default));
    }

    [ContractFact]
    public async Task DeleteVersion_UsedByAnAlias_ConflictNamingItThenDeletesAndNeverReusesTheNumber()
    {
        await Store.AddVersionAsync(Draft("ranker", "a"), Now, default);
        await Store.AddVersionAsync(Draft("ranker", "b"), Now, default);
        await Store.SetAliasAsync("ranker", "champion", 2, "alice", Now, default);

        var refused = await Assert.ThrowsAsync<ModelDockException>(() => Store.DeleteVersionAsync("ranker", 2, default));
        await Store.RemoveAliasAsync("ranker", "champion", "alice", Now, default);
        await Store.DeleteVersionAsync("ranker", 2, default);
        var next = await Store.AddVersionAsync(Draft("ranker", "c"), Now, default);

        Assert.Equal(ErrorKind.Conflict, refused.Kind);
        Assert.Contains("alias 'champion'", refused.Message, StringComparison.Ordinal);
        Assert.Equal([1, 3], (await Store.ListVersionsAsync("ranker", default)).Select(v => v.Version));
        Assert.Equal(3, next.Version);
    }

    [ContractFact]
    public async Task ListModels_SeveralModels_SortedByName()
    {
        foreach (var model in new[] { "zeta", "alpha", "mid" })
        {
            await Store.AddVersionAsync(Draft(model, "a"), Now, default);
        }

        Assert.Equal(["alpha", "mid", "zeta"], await Store.ListModelsAsync(default));
    }

    private static ModelVersionDraft Draft(string model, string tag) => new(
        model,
        new ArtifactRef(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tag))), 100 + tag.Length),
        new ModelSignature([new TensorSpec("input", DataType.Fp32, [-1, 4])], [new TensorSpec("output", DataType.Fp32, [-1, 3])]),
        null,
        $"trained on {tag}",
        new Dictionary<string, string> { ["stage"] = tag },
        new Dictionary<string, double> { ["auc"] = 0.93 },
        new Dictionary<string, string> { ["training_data"] = $"s3://data/{tag}" },
        "ci");
}
