using System.Security.Cryptography;
using System.Text;
using ModelDock.Access;
using ModelDock.Errors;
using ModelDock.Testing;
using Xunit;

namespace ModelDock.Core.Tests.Access;

/// <summary>What every API key store must do; SQLite and PostgreSQL derive from it and answer the same way.</summary>
public abstract class ApiKeyStoreContract
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 8, 30, 0, TimeSpan.Zero);

    internal abstract IApiKeyStore Store { get; }

    [ContractFact]
    public async Task Add_ThenFind_KeyAndSecretHashRoundTrip()
    {
        var key = new ApiKeyInfo("mdk_1a2b", "ci deploys", ApiKeyRole.Admin, "alice", Now);

        await Store.AddAsync(key, Hash("secret"), default);
        var found = await Store.FindAsync("mdk_1a2b", default);

        Assert.NotNull(found);
        Assert.Equal(key, found.Key);
        Assert.Equal(Hash("secret"), found.SecretHash);
    }

    [ContractFact]
    public async Task Find_UnknownId_Null()
    {
        await Store.AddAsync(new ApiKeyInfo("mdk_known", "a", ApiKeyRole.Inference, "alice", Now), Hash("a"), default);

        Assert.Null(await Store.FindAsync("mdk_unknown", default));
    }

    [ContractFact]
    public async Task Add_DuplicateId_ConflictAndTheFirstKeyKept()
    {
        await Store.AddAsync(new ApiKeyInfo("mdk_dup", "first", ApiKeyRole.Inference, "alice", Now), Hash("first"), default);

        var error = await Assert.ThrowsAsync<ModelDockException>(() =>
            Store.AddAsync(new ApiKeyInfo("mdk_dup", "second", ApiKeyRole.Admin, "bob", Now), Hash("second"), default));

        Assert.Equal(ErrorKind.Conflict, error.Kind);
        Assert.Contains("'mdk_dup'", error.Message, StringComparison.Ordinal);
        var kept = await Store.FindAsync("mdk_dup", default);
        Assert.Equal(("first", ApiKeyRole.Inference), (kept!.Key.Name, kept.Key.Role));
        Assert.Equal(Hash("first"), kept.SecretHash);
    }

    [ContractFact]
    public async Task List_SeveralKeys_OldestFirstWithoutSecrets()
    {
        await Store.AddAsync(new ApiKeyInfo("mdk_c", "newest", ApiKeyRole.Inference, "alice", Now.AddHours(2)), Hash("c"), default);
        await Store.AddAsync(new ApiKeyInfo("mdk_a", "oldest", ApiKeyRole.Admin, "alice", Now), Hash("a"), default);
        await Store.AddAsync(new ApiKeyInfo("mdk_b", "middle", ApiKeyRole.Inference, "bob", Now.AddHours(1)), Hash("b"), default);

        var keys = await Store.ListAsync(default);

        Assert.Equal(["oldest", "middle", "newest"], keys.Select(k => k.Name));
        Assert.Equal([ApiKeyRole.Admin, ApiKeyRole.Inference, ApiKeyRole.Inference], keys.Select(k => k.Role));
        Assert.Equal(Now.AddHours(1), keys[1].CreatedAt);
    }

    [ContractFact]
    public async Task Revoke_KnownThenUnknown_GoneThenNotFound()
    {
        await Store.AddAsync(new ApiKeyInfo("mdk_gone", "a", ApiKeyRole.Inference, "alice", Now), Hash("a"), default);

        await Store.RevokeAsync("mdk_gone", default);
        var again = await Assert.ThrowsAsync<ModelDockException>(() => Store.RevokeAsync("mdk_gone", default));

        Assert.Null(await Store.FindAsync("mdk_gone", default));
        Assert.Empty(await Store.ListAsync(default));
        Assert.Equal(ErrorKind.NotFound, again.Kind);
        Assert.Contains("API key 'mdk_gone' not found", again.Message, StringComparison.Ordinal);
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
