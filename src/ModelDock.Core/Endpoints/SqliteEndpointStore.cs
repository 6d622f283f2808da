using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using ModelDock.Errors;
using ModelDock.Storage;

namespace ModelDock.Endpoints;

/// <summary>
/// Endpoint revisions in the data folder's SQLite database (tables <c>endpoint_*</c>). Each revision is one row, kept
/// after it is superseded; the head table says which is current, and a one-row counter grows with every write.
/// </summary>
internal sealed class SqliteEndpointStore : IEndpointStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS endpoint_revisions (
            name TEXT NOT NULL,
            revision INTEGER NOT NULL,
            definition TEXT NOT NULL,
            PRIMARY KEY (name, revision));
        CREATE TABLE IF NOT EXISTS endpoint_heads (
            name TEXT PRIMARY KEY,
            revision INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS endpoint_changes (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            counter INTEGER NOT NULL);
        INSERT INTO endpoint_changes (id, counter) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
        """;

    private readonly string _connectionString;

    public SqliteEndpointStore(string dataDir)
    {
        _connectionString = SqliteDataFile.ConnectionString(dataDir);
        using var connection = SqliteDataFile.Open(_connectionString);
        SqliteDataFile.Execute(connection, null, Schema);
    }

    public Task<EndpointDefinition> CreateAsync(string name, string by, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var transaction = connection.BeginTransaction(deferred: false);
        if (Head(connection, transaction, name) is not null)
        {
            throw new ModelDockException(ErrorKind.Conflict, $"endpoint '{name}' already exists");
        }

        var previous = LastRevision(connection, transaction, name);
        var created = new EndpointDefinition(name, previous + 1, [], new Dictionary<string, int>(), by, now, "created");
        Write(connection, transaction, created);
        transaction.Commit();
        return Task.FromResult(created);
    }

    public Task<EndpointDefinition> GetAsync(string name, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        return Task.FromResult(Head(connection, null, name) ?? throw ModelDockException.NotFound($"endpoint '{name}' not found"));
    }

    public Task<IReadOnlyList<EndpointDefinition>> ListAsync(CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var command = SqliteDataFile.Command(connection, null, """
            SELECT r.definition FROM endpoint_heads h JOIN endpoint_revisions r ON r.name = h.name AND r.revision = h.revision
            ORDER BY h.name
            """);
        return Task.FromResult<IReadOnlyList<EndpointDefinition>>(Read(command));
    }

    public Task<IReadOnlyList<EndpointDefinition>> HistoryAsync(string name, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var command = SqliteDataFile.Command(connection, null, "SELECT definition FROM endpoint_revisions WHERE name = $name ORDER BY revision");
        command.Parameters.AddWithValue("$name", name);
        var history = Read(command);
        return Task.FromResult<IReadOnlyList<EndpointDefinition>>(history.Count > 0 ? history : throw ModelDockException.NotFound($"endpoint '{name}' not found"));
    }

    public Task<EndpointDefinition> SaveAsync(EndpointDefinition next, long current, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var transaction = connection.BeginTransaction(deferred: false);
        var head = Head(connection, transaction, next.Name) ?? throw ModelDockException.NotFound($"endpoint '{next.Name}' not found");
        if (head.Revision != current)
        {
            throw new ModelDockException(
                ErrorKind.Conflict,
                $"endpoint '{next.Name}' changed meanwhile (now revision {head.Revision}, the change was made against {current}); look again and retry");
        }

        var saved = next with { Revision = current + 1 };
        Write(connection, transaction, saved);
        transaction.Commit();
        return Task.FromResult(saved);
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var delete = SqliteDataFile.Command(connection, transaction, "DELETE FROM endpoint_heads WHERE name = $name"))
        {
            delete.Parameters.AddWithValue("$name", name);
            if (delete.ExecuteNonQuery() == 0)
            {
                throw ModelDockException.NotFound($"endpoint '{name}' not found");
            }
        }

        SqliteDataFile.Execute(connection, transaction, "UPDATE endpoint_changes SET counter = counter + 1 WHERE id = 1");
        transaction.Commit();
        return Task.CompletedTask;
    }

    public Task<long> ChangeCounterAsync(CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var command = SqliteDataFile.Command(connection, null, "SELECT counter FROM endpoint_changes WHERE id = 1");
        return Task.FromResult(Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    private static void Write(SqliteConnection connection, SqliteTransaction transaction, EndpointDefinition definition)
    {
        using (var insert = SqliteDataFile.Command(connection, transaction, """
            INSERT INTO endpoint_revisions (name, revision, definition) VALUES ($name, $revision, $definition);
            INSERT INTO endpoint_heads (name, revision) VALUES ($name, $revision)
            ON CONFLICT (name) DO UPDATE SET revision = excluded.revision;
            UPDATE endpoint_changes SET counter = counter + 1 WHERE id = 1;
            """))
        {
            insert.Parameters.AddWithValue("$name", definition.Name);
            insert.Parameters.AddWithValue("$revision", definition.Revision);
            insert.Parameters.AddWithValue("$definition", JsonSerializer.Serialize(definition));
            insert.ExecuteNonQuery();
        }
    }

    private static EndpointDefinition? Head(SqliteConnection connection, SqliteTransaction? transaction, string name)
    {
        using var command = SqliteDataFile.Command(connection, transaction, """
            SELECT r.definition FROM endpoint_heads h JOIN endpoint_revisions r ON r.name = h.name AND r.revision = h.revision
            WHERE h.name = $name
            """);
        command.Parameters.AddWithValue("$name", name);
        return Read(command).SingleOrDefault();
    }

    /// <summary>A re-created endpoint continues its numbering, so revisions stay unique per name.</summary>
    private static long LastRevision(SqliteConnection connection, SqliteTransaction transaction, string name)
    {
        using var command = SqliteDataFile.Command(connection, transaction, "SELECT COALESCE(MAX(revision), 0) FROM endpoint_revisions WHERE name = $name");
        command.Parameters.AddWithValue("$name", name);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static List<EndpointDefinition> Read(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var definitions = new List<EndpointDefinition>();
        while (reader.Read())
        {
            definitions.Add(JsonSerializer.Deserialize<EndpointDefinition>(reader.GetString(0))
                ?? throw new InvalidDataException("a stored endpoint revision is empty"));
        }

        return definitions;
    }
}
