using System.Globalization;
using Microsoft.Data.Sqlite;
using ModelDock.Errors;
using ModelDock.Storage;

namespace ModelDock.Access;

/// <summary>API keys in the data folder's SQLite database (table <c>access_keys</c>), secrets as SHA-256 only.</summary>
internal sealed class SqliteApiKeyStore : IApiKeyStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS access_keys (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            secret_sha256 BLOB NOT NULL,
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
            INSERT INTO access_keys (id, name, role, secret_sha256, created_by, created_at)
            VALUES ($id, $name, $role, $hash, $by, $at) ON CONFLICT (id) DO NOTHING
            """);
        insert.Parameters.AddWithValue("$id", key.Id);
        insert.Parameters.AddWithValue("$name", key.Name);
        insert.Parameters.AddWithValue("$role", key.Role.ToString());
        insert.Parameters.AddWithValue("$hash", secretHash);
        insert.Parameters.AddWithValue("$by", key.CreatedBy);
        insert.Parameters.AddWithValue("$at", key.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
        return insert.ExecuteNonQuery() == 1 ? Task.CompletedTask : throw new ModelDockException(ErrorKind.Conflict, $"API key '{key.Id}' already exists");
    }

    public Task<StoredApiKey?> FindAsync(string id, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var select = SqliteDataFile.Command(connection, null, "SELECT id, name, role, created_by, created_at, secret_sha256 FROM access_keys WHERE id = $id");
        select.Parameters.AddWithValue("$id", id);
        using var reader = select.ExecuteReader();
        return Task.FromResult(reader.Read() ? new StoredApiKey(Read(reader), (byte[])reader["secret_sha256"]) : null);
    }

    public Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var select = SqliteDataFile.Command(connection, null, "SELECT id, name, role, created_by, created_at FROM access_keys ORDER BY created_at, id");
        using var reader = select.ExecuteReader();
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
        using var delete = SqliteDataFile.Command(connection, null, "DELETE FROM access_keys WHERE id = $id");
        delete.Parameters.AddWithValue("$id", id);
        return delete.ExecuteNonQuery() == 1 ? Task.CompletedTask : throw ModelDockException.NotFound($"API key '{id}' not found");
    }

    private static ApiKeyInfo Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        Enum.Parse<ApiKeyRole>(reader.GetString(2)),
        reader.GetString(3),
        DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture));
}
