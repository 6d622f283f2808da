using System.Text.Json;
using ModelDock.Errors;
using ModelDock.Storage;
using Npgsql;

namespace ModelDock.Endpoints;

/// <summary>
/// Endpoint revisions in a PostgreSQL database that replicas share (tables <c>endpoint_*</c>, as in SQLite). Every
/// write first bumps the one-row change counter, which locks that row until the transaction ends: writes to endpoints
/// queue behind each other as SQLite's do, so the revision compare-and-set and the "name taken" check cannot race, and
/// a write that fails leaves the counter as it was.
/// </summary>
internal sealed class PostgresEndpointStore : IEndpointStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS endpoint_revisions (
            name TEXT NOT NULL,
            revision BIGINT NOT NULL,
            definition TEXT NOT NULL,
            PRIMARY KEY (name, revision));
        CREATE TABLE IF NOT EXISTS endpoint_heads (
            name TEXT PRIMARY KEY,
            revision BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS endpoint_changes (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            counter BIGINT NOT NULL);
        INSERT INTO endpoint_changes (id, counter) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
        """;

    private const string HeadQuery = """
        SELECT r.definition FROM endpoint_heads h JOIN endpoint_revisions r ON r.name = h.name AND r.revision = h.revision
        """;

    private readonly PostgresDatabase _database;
    private readonly PostgresTables _tables = new(Schema);

    public PostgresEndpointStore(PostgresDatabase database)
    {
        _database = database;
    }

    public Task<EndpointDefinition> CreateAsync(string name, string by, DateTimeOffset now, CancellationToken cancellationToken) =>
        _database.WriteAsync(_tables, async (connection, transaction) =>
        {
            await CountChangeAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (await HeadAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false) is not null)
            {
                throw new ModelDockException(ErrorKind.Conflict, $"endpoint '{name}' already exists");
            }

            long previous;
            await using (var last = PostgresDatabase.Command(
                connection, transaction, "SELECT COALESCE(MAX(revision), 0) FROM endpoint_revisions WHERE name = @name", ("name", name)))
            {
                // A re-created endpoint continues its numbering, so revisions stay unique per name.
                previous = (long)(await last.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            var created = new EndpointDefinition(name, previous + 1, [], new Dictionary<string, int>(), by, now, "created");
            await WriteAsync(connection, transaction, created, cancellationToken).ConfigureAwait(false);
            return created;
        }, cancellationToken);

    public Task<EndpointDefinition> GetAsync(string name, CancellationToken cancellationToken) =>
        _database.ReadAsync(_tables, async connection =>
            await HeadAsync(connection, null, name, cancellationToken).ConfigureAwait(false)
            ?? throw ModelDockException.NotFound($"endpoint '{name}' not found"),
            cancellationToken);

    public Task<IReadOnlyList<EndpointDefinition>> ListAsync(CancellationToken cancellationToken) =>
        _database.ReadAsync<IReadOnlyList<EndpointDefinition>>(_tables, async connection =>
        {
            await using var command = PostgresDatabase.Command(connection, null, HeadQuery + " ORDER BY h.name COLLATE \"C\"");
            return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<EndpointDefinition>> HistoryAsync(string name, CancellationToken cancellationToken) =>
        _database.ReadAsync<IReadOnlyList<EndpointDefinition>>(_tables, async connection =>
        {
            await using var command = PostgresDatabase.Command(
                connection, null, "SELECT definition FROM endpoint_revisions WHERE name = @name ORDER BY revision", ("name", name));
            var history = await ReadAsync(command, cancellationToken).ConfigureAwait(false);
            return history.Count > 0 ? history : throw ModelDockException.NotFound($"endpoint '{name}' not found");
        }, cancellationToken);

    public Task<EndpointDefinition> SaveAsync(EndpointDefinition next, long current, CancellationToken cancellationToken) =>
        _database.WriteAsync(_tables, async (connection, transaction) =>
        {
            await CountChangeAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            var head = await HeadAsync(connection, transaction, next.Name, cancellationToken).ConfigureAwait(false)
                ?? throw ModelDockException.NotFound($"endpoint '{next.Name}' not found");
            if (head.Revision != current)
            {
                throw new ModelDockException(
                    ErrorKind.Conflict,
                    $"endpoint '{next.Name}' changed meanwhile (now revision {head.Revision}, the change was made against {current}); look again and retry");
            }

            var saved = next with { Revision = current + 1 };
            await WriteAsync(connection, transaction, saved, cancellationToken).ConfigureAwait(false);
            return saved;
        }, cancellationToken);

    public Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        _database.WriteAsync(_tables, async (connection, transaction) =>
        {
            await CountChangeAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await using var delete = PostgresDatabase.Command(connection, transaction, "DELETE FROM endpoint_heads WHERE name = @name", ("name", name));
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0
                ? true
                : throw ModelDockException.NotFound($"endpoint '{name}' not found");
        }, cancellationToken);

    public Task<long> ChangeCounterAsync(CancellationToken cancellationToken) =>
        _database.ReadAsync(_tables, async connection =>
        {
            await using var command = PostgresDatabase.Command(connection, null, "SELECT counter FROM endpoint_changes WHERE id = 1");
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }, cancellationToken);

    private static async Task CountChangeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = PostgresDatabase.Command(connection, transaction, "UPDATE endpoint_changes SET counter = counter + 1 WHERE id = 1");
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, EndpointDefinition definition, CancellationToken cancellationToken)
    {
        await using var insert = PostgresDatabase.Command(
            connection,
            transaction,
            """
            INSERT INTO endpoint_revisions (name, revision, definition) VALUES (@name, @revision, @definition);
            INSERT INTO endpoint_heads (name, revision) VALUES (@name, @revision)
            ON CONFLICT (name) DO UPDATE SET revision = excluded.revision;
            """,
            ("name", definition.Name),
            ("revision", definition.Revision),
            ("definition", JsonSerializer.Serialize(definition)));
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<EndpointDefinition?> HeadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string name, CancellationToken cancellationToken)
    {
        await using var command = PostgresDatabase.Command(connection, transaction, HeadQuery + " WHERE h.name = @name", ("name", name));
        return (await ReadAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    private static async Task<List<EndpointDefinition>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var definitions = new List<EndpointDefinition>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            definitions.Add(JsonSerializer.Deserialize<EndpointDefinition>(reader.GetString(0))
                ?? throw new InvalidDataException("a stored endpoint revision is empty"));
        }

        return definitions;
    }
}
