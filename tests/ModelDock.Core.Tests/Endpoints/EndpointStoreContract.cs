using ModelDock.Endpoints;
using ModelDock.Errors;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Endpoints;

/// <summary>What every endpoint store must do; SQLite and PostgreSQL derive from it and answer the same way.</summary>
public abstract class EndpointStoreContract
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 30, 0, TimeSpan.Zero);

    internal abstract IEndpointStore Store { get; }

    [ContractFact]
    public async Task Create_NewName_RevisionOneWithoutDeploymentsAndTheNameIsTaken()
    {
        var created = await Store.CreateAsync("fraud", "alice", Now, default);
        var again = await Assert.ThrowsAsync<ModelDockException>(() => Store.CreateAsync("fraud", "bob", Now, default));

        Assert.Equal((1, "alice", Now, "created"), (created.Revision, created.ChangedBy, created.ChangedAt, created.Change));
        Assert.Empty(created.Deployments);
        Assert.Equal(ErrorKind.Conflict, again.Kind);
        Assert.Contains("endpoint 'fraud' already exists", again.Message, StringComparison.Ordinal);
    }

    [ContractFact]
    public async Task Save_AgainstTheCurrentRevision_NextRevisionWithEveryFieldAndHistoryKept()
    {
        var created = await Store.CreateAsync("fraud", "alice", Now, default);
        var next = created with
        {
            Deployments = [new DeploymentSpec("blue", "fraud-model", 3, "champion"), new DeploymentSpec("green", "fraud-model", 4, null)],
            Traffic = new Dictionary<string, int> { ["blue"] = 90, ["green"] = 10 },
            ChangedBy = "bob",
            ChangedAt = Now.AddMinutes(5),
            Change = "split",
        };

        var saved = await Store.SaveAsync(next, created.Revision, default);
        var read = await Store.GetAsync("fraud", default);

        Assert.Equal(2, saved.Revision);
        Assert.Equal(2, read.Revision);
        Assert.Equal(next.Deployments, read.Deployments);
        Assert.Equal(90, read.Traffic["blue"]);
        Assert.Equal(10, read.Traffic["green"]);
        Assert.Equal(("bob", Now.AddMinutes(5), "split"), (read.ChangedBy, read.ChangedAt, read.Change));
        Assert.Equal([1, 2], (await Store.HistoryAsync("fraud", default)).Select(r => r.Revision));
    }

    [ContractFact]
    public async Task Save_AgainstAStaleRevision_ConflictAndNothingWritten()
    {
        var created = await Store.CreateAsync("fraud", "alice", Now, default);
        await Store.SaveAsync(created with { Change = "first" }, 1, default);
        var counter = await Store.ChangeCounterAsync(default);

        var stale = await Assert.ThrowsAsync<ModelDockException>(() => Store.SaveAsync(created with { Change = "late" }, 1, default));

        Assert.Equal(ErrorKind.Conflict, stale.Kind);
        Assert.Contains("changed meanwhile (now revision 2", stale.Message, StringComparison.Ordinal);
        Assert.Equal("first", (await Store.GetAsync("fraud", default)).Change);
        Assert.Equal(counter, await Store.ChangeCounterAsync(default));
    }

    [ContractFact]
    public async Task Save_ConcurrentChangesAgainstOneRevision_ExactlyOneWins()
    {
        var created = await Store.CreateAsync("fraud", "alice", Now, default);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                return (await Store.SaveAsync(created with { Change = $"change {i}" }, created.Revision, default)).Change;
            }
            catch (ModelDockException e) when (e.Kind == ErrorKind.Conflict)
            {
                return null;
            }
        })));

        var winner = Assert.Single(outcomes, o => o is not null);
        var head = await Store.GetAsync("fraud", default);
        Assert.Equal((2, winner), (head.Revision, head.Change));
        Assert.Equal(2, (await Store.HistoryAsync("fraud", default)).Count);
    }

    [ContractFact]
    public async Task Delete_ThenRecreate_GoneFromListHistoryKeptAndNumberingContinues()
    {
        await Store.CreateAsync("fraud", "alice", Now, default);
        await Store.CreateAsync("churn", "alice", Now, default);

        await Store.DeleteAsync("fraud", default);
        var missing = await Assert.ThrowsAsync<ModelDockException>(() => Store.GetAsync("fraud", default));
        var listed = await Store.ListAsync(default);
        var recreated = await Store.CreateAsync("fraud", "bob", Now, default);

        Assert.Equal(ErrorKind.NotFound, missing.Kind);
        Assert.Equal(["churn"], listed.Select(e => e.Name));
        Assert.Equal(2, recreated.Revision);
        Assert.Equal([1, 2], (await Store.HistoryAsync("fraud", default)).Select(r => r.Revision));
    }

    [ContractFact]
    public async Task UnknownEndpoint_GetSaveDeleteHistory_NotFound()
    {
        var ghost = new EndpointDefinition("ghost", 1, [], new Dictionary<string, int>(), "alice", Now, "x");

        var errors = new[]
        {
            await Assert.ThrowsAsync<ModelDockException>(() => Store.GetAsync("ghost", default)),
            await Assert.ThrowsAsync<ModelDockException>(() => Store.SaveAsync(ghost, 1, default)),
            await Assert.ThrowsAsync<ModelDockException>(() => Store.DeleteAsync("ghost", default)),
            await Assert.ThrowsAsync<ModelDockException>(() => Store.HistoryAsync("ghost", default)),
        };

        Assert.All(errors, e => Assert.Equal(ErrorKind.NotFound, e.Kind));
        Assert.All(errors, e => Assert.Contains("endpoint 'ghost' not found", e.Message, StringComparison.Ordinal));
    }

    [ContractFact]
    public async Task ChangeCounter_EveryWrite_GrowsAndRefusedWritesLeaveIt()
    {
        var start = await Store.ChangeCounterAsync(default);
        var created = await Store.CreateAsync("fraud", "alice", Now, default);
        var afterCreate = await Store.ChangeCounterAsync(default);
        await Store.SaveAsync(created, 1, default);
        var afterSave = await Store.ChangeCounterAsync(default);
        await Assert.ThrowsAsync<ModelDockException>(() => Store.CreateAsync("fraud", "alice", Now, default));
        await Assert.ThrowsAsync<ModelDockException>(() => Store.DeleteAsync("ghost", default));
        var afterRefused = await Store.ChangeCounterAsync(default);
        await Store.DeleteAsync("fraud", default);

        Assert.True(afterCreate > start);
        Assert.True(afterSave > afterCreate);
        Assert.Equal(afterSave, afterRefused);
        Assert.True(await Store.ChangeCounterAsync(default) > afterRefused);
    }

    [ContractFact]
    public async Task List_SeveralEndpoints_CurrentRevisionsSortedByName()
    {
        foreach (var name in new[] { "zeta", "alpha", "mid" })
        {
            await Store.CreateAsync(name, "alice", Now, default);
        }

        await Store.SaveAsync((await Store.GetAsync("mid", default)) with { Change = "moved" }, 1, default);
        var listed = await Store.ListAsync(default);

        Assert.Equal(["alpha", "mid", "zeta"], listed.Select(e => e.Name));
        Assert.Equal([1, 2, 1], listed.Select(e => e.Revision));
    }
}
