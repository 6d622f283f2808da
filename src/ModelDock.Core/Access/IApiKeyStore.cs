namespace ModelDock.Access;

/// <summary>
/// Where API keys live beside the registry: SQLite in the data folder, or PostgreSQL when replicas share it. Only the
/// SHA-256 of a key's secret is stored. Failures are <see cref="Errors.ModelDockException"/>s: NotFound for an unknown
/// key, Conflict for a duplicate id, Unavailable when the store cannot be reached.
/// </summary>
internal interface IApiKeyStore
{
    Task AddAsync(ApiKeyInfo key, byte[] secretHash, CancellationToken cancellationToken);

    /// <summary>The key with this id and its secret's hash, or null when there is none (revoked keys are gone).</summary>
    Task<StoredApiKey?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>Every key, oldest first.</summary>
    Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Deletes a key; NotFound when there is no such key.</summary>
    Task RevokeAsync(string id, CancellationToken cancellationToken);
}

internal sealed record StoredApiKey(ApiKeyInfo Key, byte[] SecretHash);
