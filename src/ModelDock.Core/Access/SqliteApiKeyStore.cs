using System.Globalization;
using Microsoft.Data.Sqlite;
using ModelDock.Errors;
using ModelDock.Storage;

namespace ModelDock.Access;

/// <summary>API keys in the data folder's SQLite database (table <c>access_api_keys</c>); only the secret's hash is stored.</summary>
internal sealed class SqliteApiKeyStore : IApiKeyStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS access_api_keys (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            secret_hash BLOB NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL);
        """;

    private readonly string _connectionString;

    public SqliteApiKeyStore(string dataDir)
    {
        _connectionString = SqliteDataFile.ConnectionString(dataDir);
        using var connection = SqliteDataFile.Open(_connectionString);
        SqliteDataFile.Execute(connection, null, Schema);
    }

    public Task AddAsync(ApiKeyInfo key, byte[] secretHash, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var insert = SqliteDataFile.Command(connection, null, """
            INSERT INTO access_api_keys (id, name, role, secret_hash, created_by, created_at)
            VALUES ($id, $name, $role, $hash, $by, $at)
            ON CONFLICT (id) DO NOTHING
            """);
        var p = insert.Parameters;
        p.AddWithValue("$id", key.Id);
        p.AddWithValue("$name", key.Name);
        p.AddWithValue("$role", ApiKeyRoles.Text(key.Role));
        p.AddWithValue("$hash", secretHash);
        p.AddWithValue("$by", key.CreatedBy);
        p.AddWithValue("$at", key.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        return insert.ExecuteNonQuery() == 1
            ? Task.CompletedTask
            : throw new ModelDockException(ErrorKind.Conflict, $"an API key with id '{key.Id}' already exists");
    }

    public Task<StoredApiKey?> FindAsync(string id, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var command = SqliteDataFile.Command(connection, null, "SELECT id, name, role, created_by, created_at, secret_hash FROM access_api_keys WHERE id = $id");
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return Task.FromResult(reader.Read() ? new StoredApiKey(Read(reader), (byte[])reader.GetValue(5)) : null);
    }

    public Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var command = SqliteDataFile.Command(connection, null, "SELECT id, name, role, created_by, created_at FROM access_api_keys ORDER BY created_at, seq");
        using var reader = command.ExecuteReader();
        var keys = new List<ApiKeyInfo>();
        while (reader.Read())
        {
            keys.Add(Read(reader));
        }

        return Task.FromResult<IReadOnlyList<ApiKeyInfo>>(keys);
    }

    public Task RevokeAsync(string id, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var delete = SqliteDataFile.Command(connection, null, "DELETE FROM access_api_keys WHERE id = $id");
        delete.Parameters.AddWithValue("$id", id);
        return delete.ExecuteNonQuery() == 1
            ? Task.CompletedTask
            : throw ModelDockException.NotFound($"API key '{id}' not found");
    }

    private static ApiKeyInfo Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        ApiKeyRoles.Parse(reader.GetString(2)),
        reader.GetString(3),
        DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal));
}
