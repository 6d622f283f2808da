using ModelDock.Errors;
using ModelDock.Storage;
using Npgsql;

namespace ModelDock.Access;

/// <summary>API keys in a PostgreSQL database that replicas share (table <c>access_api_keys</c>, as in SQLite); only the secret's hash is stored.</summary>
internal sealed class PostgresApiKeyStore : IApiKeyStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS access_api_keys (
            seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            secret_hash BYTEA NOT NULL,
            created_by TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL);
        """;

    private readonly PostgresDatabase _database;
    private readonly PostgresTables _tables = new(Schema);

    public PostgresApiKeyStore(PostgresDatabase database)
    {
        _database = database;
    }

    public Task AddAsync(ApiKeyInfo key, byte[] secretHash, CancellationToken cancellationToken) =>
        _database.WriteAsync(_tables, async (connection, transaction) =>
        {
            await using var insert = PostgresDatabase.Command(
                connection,
                transaction,
                """
                INSERT INTO access_api_keys (id, name, role, secret_hash, created_by, created_at)
                VALUES (@id, @name, @role, @hash, @by, @at)
                ON CONFLICT (id) DO NOTHING
                """,
                ("id", key.Id),
                ("name", key.Name),
                ("role", ApiKeyRoles.Text(key.Role)),
                ("hash", secretHash),
                ("by", key.CreatedBy),
                ("at", PostgresDatabase.Utc(key.CreatedAt)));
            return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1
                ? true
                : throw new ModelDockException(ErrorKind.Conflict, $"an API key with id '{key.Id}' already exists");
        }, cancellationToken);

    public Task<StoredApiKey?> FindAsync(string id, CancellationToken cancellationToken) =>
        _database.ReadAsync(_tables, async connection =>
        {
            await using var command = PostgresDatabase.Command(
                connection, null, "SELECT id, name, role, created_by, created_at, secret_hash FROM access_api_keys WHERE id = @id", ("id", id));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new StoredApiKey(Read(reader), reader.GetFieldValue<byte[]>(5))
                : null;
        }, cancellationToken);

    public Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken) =>
        _database.ReadAsync<IReadOnlyList<ApiKeyInfo>>(_tables, async connection =>
        {
            await using var command = PostgresDatabase.Command(
                connection, null, "SELECT id, name, role, created_by, created_at FROM access_api_keys ORDER BY created_at, seq");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var keys = new List<ApiKeyInfo>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                keys.Add(Read(reader));
            }

            return keys;
        }, cancellationToken);

    public Task RevokeAsync(string id, CancellationToken cancellationToken) =>
        _database.WriteAsync(_tables, async (connection, transaction) =>
        {
            await using var delete = PostgresDatabase.Command(connection, transaction, "DELETE FROM access_api_keys WHERE id = @id", ("id", id));
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1
                ? true
                : throw ModelDockException.NotFound($"API key '{id}' not found");
        }, cancellationToken);

    private static ApiKeyInfo Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        ApiKeyRoles.Parse(reader.GetString(2)),
        reader.GetString(3),
        reader.GetFieldValue<DateTimeOffset>(4));
}
