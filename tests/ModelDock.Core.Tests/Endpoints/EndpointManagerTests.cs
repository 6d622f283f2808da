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
    [InlineData("fraud:9", ErrorKind.NotFound, "model 'fraud' has no version 9")]
    [InlineData("ghost:1", ErrorKind.NotFound, "model 'ghost' is not registered")]
    [InlineData("fraud@nobody", ErrorKind.NotFound, "model 'fraud' has no alias 'nobody'")]
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
