using System.Text.Json;
using ModelDock.Endpoints;
using ModelDock.Errors;
using ModelDock.Onnx;
using ModelDock.Registry;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Endpoints;

/// <summary>Every change is validated whole before it is written; a refused change leaves the endpoint as it was.</summary>
public sealed class EndpointManagerTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ModelRegistry _registry;
    private readonly EndpointManager _endpoints;

    public EndpointManagerTests()
    {
        var storage = RegistryStorage.Local(_folder.Path);
        (_registry, _endpoints) = (storage.Registry, storage.Manager);
    }

    [Fact]
    public async Task Deploy_FirstTakesAllTrafficLaterNone_AliasResolvedAndPinned()
    {
        await RegisterAsync("fraud", [8, 3], 2);
        await _registry.SetAliasAsync("fraud", "champion", 2, "alice", default);
        await _endpoints.CreateAsync("risk", "alice", default);

        await _endpoints.DeployAsync("risk", "blue", "fraud:1", force: false, "alice", default);
        var endpoint = await _endpoints.DeployAsync("risk", "green", "fraud@champion", force: false, "alice", default);
        await _registry.SetAliasAsync("fraud", "champion", 1, "alice", default);

        Assert.Equal(3, endpoint.Revision);
        Assert.Equal(new Dictionary<string, int> { ["blue"] = 100, ["green"] = 0 }, endpoint.Traffic);
        Assert.Equal(new DeploymentSpec("green", "fraud", 2, "champion"), endpoint.Find("green"));
        Assert.Equal(2, (await _endpoints.Store.GetAsync("risk", default)).Find("green")!.Version);
    }

    [Theory]
    [InlineData(new[] { "blue=90", "green=20" }, "the percentages sum to 110, not 100")]
    [InlineData(new[] { "blue=90", "purple=10" }, "has no deployment 'purple' (it has blue, green)")]
    [InlineData(new[] { "blue=110", "green=-10" }, "blue=110 must be between 0 and 100")]
    public async Task SetTraffic_Invalid_InvalidInputNamingTheFieldAndNothingChanges(string[] split, string expected)
    {
        await DeployBlueGreenAsync();
        var before = await _endpoints.Store.GetAsync("risk", default);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _endpoints.SetTrafficAsync("risk", Split(split), "alice", default));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith("traffic: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        var after = await _endpoints.Store.GetAsync("risk", default);
        Assert.Equal(before.Revision, after.Revision);
        Assert.Equal(before.Traffic, after.Traffic);
    }

    [Fact]
    public async Task Deploy_IncompatibleSignature_RefusedUnlessForced()
    {
        await DeployBlueGreenAsync();
        await RegisterAsync("other", [16, 3], 1);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _endpoints.DeployAsync("risk", "green", "other:1", force: false, "alice", default));
        var forced = await _endpoints.DeployAsync("risk", "green", "other:1", force: true, "alice", default);

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Contains("input 'input' is FP32[-1,16], not FP32[-1,8]", error.Message, StringComparison.Ordinal);
        Assert.Contains("--force", error.Message, StringComparison.Ordinal);
        Assert.Equal("other", forced.Find("green")!.Model);
    }

    [Theory]
    [InlineData("fraud:9", ErrorKind.InvalidInput, "model: model 'fraud' has no version 9")]
    [InlineData("ghost:1", ErrorKind.InvalidInput, "model: model 'ghost' is not registered")]
    [InlineData("fraud@nobody", ErrorKind.InvalidInput, "model: model 'fraud' has no alias 'nobody'")]
    [InlineData("fraud", ErrorKind.InvalidInput, "model: 'fraud' is not MODEL:VERSION or MODEL@ALIAS")]
    [InlineData("fraud:latest", ErrorKind.InvalidInput, "use MODEL@ALIAS for an alias")]
    public async Task Deploy_BadModelReference_RefusedNamingIt(string reference, ErrorKind kind, string expected)
    {
        await DeployBlueGreenAsync();

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _endpoints.DeployAsync("risk", "green", reference, force: false, "alice", default));

        Assert.Equal(kind, error.Kind);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_AfterTrafficChange_RestoresThePreviousSplitAsANewRevision()
    {
        await DeployBlueGreenAsync();
        await _endpoints.SetTrafficAsync("risk", Split(["blue=10", "green=90"]), "alice", default);

        var rolledBack = await _endpoints.RollbackAsync("risk", "bob", default);
        var again = await _endpoints.RollbackAsync("risk", "bob", default);

        Assert.Equal(new Dictionary<string, int> { ["blue"] = 100, ["green"] = 0 }, rolledBack.Traffic);
        Assert.Equal(5, rolledBack.Revision);
        Assert.StartsWith("rollback to revision 3", rolledBack.Change, StringComparison.Ordinal);
        Assert.Equal(90, again.Traffic["green"]);
    }

    [Fact]
    public async Task Undeploy_DeploymentWithTraffic_ConflictThenAllowedAtZero()
    {
        await DeployBlueGreenAsync();
        await _endpoints.SetTrafficAsync("risk", Split(["blue=50", "green=50"]), "alice", default);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _endpoints.RemoveDeploymentAsync("risk", "green", "alice", default));
        await _endpoints.SetTrafficAsync("risk", Split(["blue=100"]), "alice", default);
        var removed = await _endpoints.RemoveDeploymentAsync("risk", "green", "alice", default);

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Equal(["blue"], removed.Deployments.Select(d => d.Name));
    }

    [Fact]
    public async Task Save_StaleRevision_ConflictInsteadOfOverwriting()
    {
        await DeployBlueGreenAsync();
        var stale = await _endpoints.Store.GetAsync("risk", default);
        await _endpoints.SetTrafficAsync("risk", Split(["blue=50", "green=50"]), "alice", default);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _endpoints.Store.SaveAsync(stale, stale.Revision, default));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Equal(50, (await _endpoints.Store.GetAsync("risk", default)).Traffic["green"]);
    }

    [Fact]
    public async Task DeleteVersion_Deployed_ConflictNamingTheEndpointAndDeployment()
    {
        await DeployBlueGreenAsync();

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _endpoints.DeleteVersionAsync("fraud", 2, default));
        await _endpoints.RemoveDeploymentAsync("risk", "green", "alice", default);
        await _endpoints.DeleteVersionAsync("fraud", 2, default);

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Contains("deployed on endpoint 'risk' (deployment 'green')", error.Message, StringComparison.Ordinal);
        Assert.Equal([1], (await _registry.Store.ListVersionsAsync("fraud", default)).Select(v => v.Version));
    }

    [Theory]
    [InlineData("green", 60, "mirror: percent 60 is above 50")]
    [InlineData("green", -1, "mirror: percent -1 is negative (0 turns mirroring off)")]
    [InlineData("purple", 10, "mirror: endpoint 'risk' has no deployment 'purple' (it has blue, green)")]
    public async Task SetMirror_Invalid_InvalidInputNamingTheFieldAndNothingChanges(string deployment, int percent, string expected)
    {
        await DeployBlueGreenAsync();
        var before = await _endpoints.Store.GetAsync("risk", default);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _endpoints.SetMirrorAsync("risk", new MirrorTraffic(deployment, percent), "alice", default));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.Equal(expected, error.Message);
        var after = await _endpoints.Store.GetAsync("risk", default);
        Assert.Equal(before.Revision, after.Revision);
        Assert.Null(after.Mirror);
    }

    [Fact]
    public async Task SetMirror_ThenZeroPercent_RecordedAsRevisionsAndZeroTurnsItOff()
    {
        await DeployBlueGreenAsync();

        var on = await _endpoints.SetMirrorAsync("risk", new MirrorTraffic("green", 50), "alice", default);
        var off = await _endpoints.SetMirrorAsync("risk", new MirrorTraffic("green", 0), "alice", default);

        Assert.Equal(new MirrorTraffic("green", 50), on.Mirror);
        Assert.Equal("mirror green=50", on.Change);
        Assert.Null(off.Mirror);
        Assert.Equal("mirror off", off.Change);
        Assert.Equal(on.Revision + 1, off.Revision);
    }

    [Fact]
    public async Task Undeploy_MirrorDeployment_ConflictUntilMirroringIsOff()
    {
        await DeployBlueGreenAsync();
        await _endpoints.SetMirrorAsync("risk", new MirrorTraffic("green", 10), "alice", default);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _endpoints.RemoveDeploymentAsync("risk", "green", "alice", default));
        await _endpoints.SetMirrorAsync("risk", null, "alice", default);
        var removed = await _endpoints.RemoveDeploymentAsync("risk", "green", "alice", default);

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Contains("is the mirror deployment", error.Message, StringComparison.Ordinal);
        Assert.Equal(["blue"], removed.Deployments.Select(d => d.Name));
    }

    [Theory]
    [InlineData("cookie:session", "sticky: 'cookie:session' is not header:NAME or input:NAME")]
    [InlineData("header:", "sticky: 'header:' needs a header name")]
    [InlineData("header:x customer", "sticky: 'header:x customer' needs a header name")]
    [InlineData("header:X-ModelDock-Deployment", "sticky: 'header:x-modeldock-deployment' is reserved")]
    [InlineData("header:trace-bin", "sticky: 'header:trace-bin' is reserved")]
    [InlineData("input:", "sticky: 'input:' needs an input name")]
    [InlineData("input:customer_id", "sticky: deployment 'blue' (fraud:1) has no input 'customer_id' (it has input)")]
    [InlineData("input:input", "sticky: input 'input' of deployment 'blue' is FP32; a sticky input must be INT64, INT32 or BYTES")]
    public async Task SetStickyKey_Invalid_InvalidInputNamingTheFieldAndNothingChanges(string key, string expected)
    {
        await DeployBlueGreenAsync();
        var before = await _endpoints.Store.GetAsync("risk", default);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _endpoints.SetStickyKeyAsync("risk", key, "alice", default));

        Assert.Equal(ErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(before.Revision, (await _endpoints.Store.GetAsync("risk", default)).Revision);
    }

    [Fact]
    public async Task SetStickyKey_HeaderAnyCaseAndAnInt64Input_StoredCanonicallyAndNullTurnsItOff()
    {
        await DeployBlueGreenAsync();
        var file = _folder.Combine("ranker.onnx");
        await File.WriteAllBytesAsync(file, DemoModels.TwoInput());
        await _registry.RegisterAsync(new RegistrationRequest("ranker", file), default);
        await _endpoints.CreateAsync("rank", "alice", default);
        await _endpoints.DeployAsync("rank", "blue", "ranker:1", force: false, "alice", default);

        var header = await _endpoints.SetStickyKeyAsync("risk", "Header:X-Customer", "alice", default);
        var off = await _endpoints.SetStickyKeyAsync("risk", null, "alice", default);
        var input = await _endpoints.SetStickyKeyAsync("rank", $"input:{DemoModels.TwoInputIds}", "alice", default);

        Assert.Equal("header:x-customer", header.StickyKey);
        Assert.Equal("sticky header:x-customer", header.Change);
        Assert.Null(off.StickyKey);
        Assert.Equal("sticky off", off.Change);
        Assert.Equal("input:ids", input.StickyKey);
    }

    [Fact]
    public async Task Rollback_AfterMirrorAndStickyChanges_RestoresThePreviousMirrorAndStickyKey()
    {
        await DeployBlueGreenAsync();
        await _endpoints.SetMirrorAsync("risk", new MirrorTraffic("green", 20), "alice", default);
        await _endpoints.SetStickyKeyAsync("risk", "header:x-customer", "alice", default);
        await _endpoints.SetMirrorAsync("risk", null, "alice", default);
        await _endpoints.SetStickyKeyAsync("risk", null, "alice", default);

        var stickyBack = await _endpoints.RollbackAsync("risk", "bob", default);
        await _endpoints.SetStickyKeyAsync("risk", null, "alice", default);
        await _endpoints.SetMirrorAsync("risk", new MirrorTraffic("blue", 5), "alice", default);
        await _endpoints.SetMirrorAsync("risk", new MirrorTraffic("green", 30), "alice", default);
        var mirrorBack = await _endpoints.RollbackAsync("risk", "bob", default);

        Assert.Equal("header:x-customer", stickyBack.StickyKey);
        Assert.Null(stickyBack.Mirror);
        Assert.Equal(new MirrorTraffic("blue", 5), mirrorBack.Mirror);
        Assert.Null(mirrorBack.StickyKey);
        Assert.Equal(new Dictionary<string, int> { ["blue"] = 100, ["green"] = 0 }, mirrorBack.Traffic);
    }

    [Fact]
    public void Definition_StoredBeforeMirrorAndStickyExisted_ReadsWithNeither()
    {
        const string stored = """
            {"Name":"risk","Revision":3,"Deployments":[{"Name":"blue","Model":"fraud","Version":1,"Alias":null}],
             "Traffic":{"blue":100},"ChangedBy":"alice","ChangedAt":"2025-01-02T03:04:05+00:00","Change":"deploy blue = fraud:1"}
            """;

        var definition = JsonSerializer.Deserialize<EndpointDefinition>(stored)!;
        var roundTripped = JsonSerializer.Deserialize<EndpointDefinition>(JsonSerializer.Serialize(definition with { Mirror = new MirrorTraffic("blue", 7), StickyKey = "input:id" }))!;

        Assert.Null(definition.Mirror);
        Assert.Null(definition.StickyKey);
        Assert.Equal(100, definition.Traffic["blue"]);
        Assert.Equal(new MirrorTraffic("blue", 7), roundTripped.Mirror);
        Assert.Equal("input:id", roundTripped.StickyKey);
    }

    [Fact]
    public async Task Create_Twice_Conflict()
    {
        await _endpoints.CreateAsync("risk", "alice", default);

        var error = await Assert.ThrowsAsync<ModelDockException>(() => _endpoints.CreateAsync("risk", "alice", default));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    private static Dictionary<string, int> Split(string[] pairs) =>
        pairs.ToDictionary(p => p.Split('=')[0], p => int.Parse(p.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture));

    private async Task DeployBlueGreenAsync()
    {
        await RegisterAsync("fraud", [8, 3], 2);
        await _endpoints.CreateAsync("risk", "alice", default);
        await _endpoints.DeployAsync("risk", "blue", "fraud:1", force: false, "alice", default);
        await _endpoints.DeployAsync("risk", "green", "fraud:2", force: false, "alice", default);
    }

    private async Task RegisterAsync(string model, int[] layers, int versions)
    {
        for (var v = 0; v < versions; v++)
        {
            var file = _folder.Combine($"{model}-{v}.onnx");
            await File.WriteAllBytesAsync(file, DemoModels.Mlp(layers, seed: 20 + v).Onnx);
            await _registry.RegisterAsync(new RegistrationRequest(model, file), default);
        }
    }
}
