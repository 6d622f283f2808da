using ModelDock.Errors;
using ModelDock.Storage;
using Npgsql;

namespace ModelDock.Registry;

/// <summary>
/// The registry's metadata in a PostgreSQL database that replicas share (tables <c>registry_*</c>, as in SQLite).
/// A version number comes from one atomic upsert of the model's row, so registrations from any number of processes get
/// distinct numbers; alias changes and deletes lock the model's row first, so a delete cannot slip between an alias
/// check and the alias being set.
/// </summary>
internal sealed class PostgresModelRegistryStore : IModelRegistryStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS registry_models (
            name TEXT PRIMARY KEY,
            next_version BIGINT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL);
        CREATE TABLE IF NOT EXISTS registry_versions (
            model TEXT NOT NULL,
            version BIGINT NOT NULL,
            sha256 TEXT NOT NULL,
            bytes BIGINT NOT NULL,
            signature TEXT NOT NULL,
            config TEXT,
            description TEXT NOT NULL,
            tags TEXT NOT NULL,
            metrics TEXT NOT NULL,
            lineage TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (model, version));
        CREATE TABLE IF NOT EXISTS registry_aliases (
            model TEXT NOT NULL,
            alias TEXT NOT NULL,
            version BIGINT NOT NULL,
            PRIMARY KEY (model, alias));
        CREATE TABLE IF NOT EXISTS registry_alias_moves (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            model TEXT NOT NULL,
            alias TEXT NOT NULL,
            from_version BIGINT,
            to_version BIGINT,
            moved_by TEXT NOT NULL,
            moved_at TIMESTAMPTZ NOT NULL);
        CREATE INDEX IF NOT EXISTS registry_alias_moves_model ON registry_alias_moves (model, id);
        """;

    private const string VersionColumns = "model, version, sha256, bytes, signature, config, description, tags, metrics, lineage, created_by, created_at";

    private readonly PostgresDatabase _database;
    private readonly PostgresTables _tables = new(Schema);

    public PostgresModelRegistryStore(PostgresDatabase database)
    {
        _database = database;
    }

    public string Name => "postgresql";

    public Task<ModelVersionInfo> AddVersionAsync(ModelVersionDraft draft, DateTimeOffset now, CancellationToken cancellationToken) =>
        _database.WriteAsync(_tables, async (connection, transaction) =>
        {
            long version;
            await using (var next = PostgresDatabase.Command(connection, transaction, """
                INSERT INTO registry_models AS m (name, next_version, created_at) VALUES (@model, 2, @at)
                ON CONFLICT (name) DO UPDATE SET next_version = m.next_version + 1
                RETURNING next_version - 1
                """, ("model", draft.Model), ("at", PostgresDatabase.Utc(now))))
            {
                version = (long)(await next.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            var info = new ModelVersionInfo(
                draft.Model, version, draft.Artifact, draft.Signature, draft.Config, draft.Description,
                draft.Tags, draft.Metrics, draft.Lineage, draft.CreatedBy, now);
            await using var write = PostgresDatabase.Command(
                connection,
                transaction,
                $"""
                INSERT INTO registry_versions ({VersionColumns})
                VALUES (@model, @version, @sha256, @bytes, @signature, @config, @description, @tags, @metrics, @lineage, @by, @at)
                """,
                ("model", info.Model),
                ("version", info.Version),
                ("sha256", info.Artifact.Sha256),
                ("bytes", info.Artifact.Bytes),
                ("signature", RegistryJson.Signature(info.Signature)),
                ("config", info.Config),
                ("description", info.Description),
                ("tags", RegistryJson.Map(info.Tags)),
                ("metrics", RegistryJson.Map(info.Metrics)),
                ("lineage", RegistryJson.Map(info.Lineage)),
                ("by", info.CreatedBy),
                ("at", PostgresDatabase.Utc(now)));
            await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return info;
        }, cancellationToken);

    public Task<ModelVersionInfo> GetVersionAsync(string model, long version, CancellationToken cancellationToken) =>
        _database.ReadAsync(_tables, async connection =>
        {
            await using var command = PostgresDatabase.Command(
                connection, null, $"SELECT {VersionColumns} FROM registry_versions WHERE model = @model AND version = @version", ("model", model), ("version", version));
            var found = await ReadVersionsAsync(command, cancellationToken).ConfigureAwait(false);
            return found.Count == 1
                ? found[0]
                : throw ModelDockException.NotFound(await KnownModelAsync(connection, null, model, cancellationToken).ConfigureAwait(false)
                    ? $"model '{model}' has no version {version}"
                    : $"model '{model}' is not registered");
        }, cancellationToken);

    public Task<IReadOnlyList<ModelVersionInfo>> ListVersionsAsync(string model, CancellationToken cancellationToken) =>
        _database.ReadAsync<IReadOnlyList<ModelVersionInfo>>(_tables, async connection =>
        {
            await using var command = PostgresDatabase.Command(
                connection, null, $"SELECT {VersionColumns} FROM registry_versions WHERE model = @model ORDER BY version", ("model", model));
            var versions = await ReadVersionsAsync(command, cancellationToken).ConfigureAwait(false);
            return versions.Count > 0 || await KnownModelAsync(connection, null, model, cancellationToken).ConfigureAwait(false)
                ? versions
                : throw ModelDockException.NotFound($"model '{model}' is not registered");
        }, cancellationToken);

    public Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken) =>
        _database.ReadAsync<IReadOnlyList<string>>(_tables, async connection =>
        {
            await using var command = PostgresDatabase.Command(connection, null, "SELECT name FROM registry_models ORDER BY name COLLATE \"C\"");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var names = new List<string>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                names.Add(reader.GetString(0));
            }

            return names;
        }, cancellationToken);

    public Task<AliasMove> SetAliasAsync(string model, string alias, long version, string by, DateTimeOffset now, CancellationToken cancellationToken) =>
        _database.WriteAsync(_tables, async (connection, transaction) =>
        {
            var known = await LockModelAsync(connection, transaction, model, cancellationToken).ConfigureAwait(false);
            if (!await VersionExistsAsync(connection, transaction, model, version, cancellationToken).ConfigureAwait(false))
            {
                throw ModelDockException.NotFound(known
                    ? $"cannot point alias '{alias}' at version {version}: model '{model}' has no such version"
                    : $"cannot point alias '{alias}' at a version of model '{model}': it is not registered");
            }

            var from = await AliasTargetAsync(connection, transaction, model, alias, cancellationToken).ConfigureAwait(false);
            await using (var set = PostgresDatabase.Command(connection, transaction, """
                INSERT INTO registry_aliases (model, alias, version) VALUES (@model, @alias, @version)
                ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version
                """, ("model", model), ("alias", alias), ("version", version)))
            {
                await set.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var move = new AliasMove(model, alias, from, version, by, now);
            await RecordMoveAsync(connection, transaction, move, cancellationToken).ConfigureAwait(false);
            return move;
        }, cancellationToken);

    public Task<AliasMove> RemoveAliasAsync(string model, string alias, string by, DateTimeOffset now, CancellationToken cancellationToken) =>
        _database.WriteAsync(_tables, async (connection, transaction) =>
        {
            await LockModelAsync(connection, transaction, model, cancellationToken).ConfigureAwait(false);
            var from = await AliasTargetAsync(connection, transaction, model, alias, cancellationToken).ConfigureAwait(false)
                ?? throw ModelDockException.NotFound($"model '{model}' has no alias '{alias}'");
            await using (var remove = PostgresDatabase.Command(
                connection, transaction, "DELETE FROM registry_aliases WHERE model = @model AND alias = @alias", ("model", model), ("alias", alias)))
            {
                await remove.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var move = new AliasMove(model, alias, from, null, by, now);
            await RecordMoveAsync(connection, transaction, move, cancellationToken).ConfigureAwait(false);
            return move;
        }, cancellationToken);

    public Task<long> ResolveAliasAsync(string model, string alias, CancellationToken cancellationToken) =>
        _database.ReadAsync(_tables, async connection =>
            await AliasTargetAsync(connection, null, model, alias, cancellationToken).ConfigureAwait(false)
            ?? throw ModelDockException.NotFound(await KnownModelAsync(connection, null, model, cancellationToken).ConfigureAwait(false)
                ? $"model '{model}' has no alias '{alias}'"
                : $"model '{model}' is not registered"),
            cancellationToken);

    public Task<IReadOnlyDictionary<string, long>> GetAliasesAsync(string model, CancellationToken cancellationToken) =>
        _database.ReadAsync<IReadOnlyDictionary<string, long>>(_tables, async connection =>
        {
            await using var command = PostgresDatabase.Command(connection, null, "SELECT alias, version FROM registry_aliases WHERE model = @model", ("model", model));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var aliases = new SortedDictionary<string, long>(StringComparer.Ordinal);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                aliases[reader.GetString(0)] = reader.GetInt64(1);
            }

            return aliases;
        }, cancellationToken);

    public Task<IReadOnlyList<AliasMove>> GetAliasHistoryAsync(string model, CancellationToken cancellationToken) =>
        _database.ReadAsync<IReadOnlyList<AliasMove>>(_tables, async connection =>
        {
            await using var command = PostgresDatabase.Command(connection, null, """
                SELECT model, alias, from_version, to_version, moved_by, moved_at FROM registry_alias_moves
                WHERE model = @model ORDER BY id
                """, ("model", model));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var moves = new List<AliasMove>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                moves.Add(new AliasMove(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetInt64(2),
                    reader.IsDBNull(3) ? null : reader.GetInt64(3),
                    reader.GetString(4),
                    reader.GetFieldValue<DateTimeOffset>(5)));
            }

            return moves;
        }, cancellationToken);

    public Task DeleteVersionAsync(string model, long version, CancellationToken cancellationToken) =>
        _database.WriteAsync(_tables, async (connection, transaction) =>
        {
            await LockModelAsync(connection, transaction, model, cancellationToken).ConfigureAwait(false);
            if (!await VersionExistsAsync(connection, transaction, model, version, cancellationToken).ConfigureAwait(false))
            {
                throw ModelDockException.NotFound($"model '{model}' has no version {version}");
            }

            var aliases = new List<string>();
            await using (var users = PostgresDatabase.Command(
                connection, transaction, "SELECT alias FROM registry_aliases WHERE model = @model AND version = @version ORDER BY alias COLLATE \"C\"", ("model", model), ("version", version)))
            await using (var reader = await users.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    aliases.Add(reader.GetString(0));
                }
            }

            if (aliases.Count > 0)
            {
                throw new ModelDockException(
                    ErrorKind.Conflict,
                    $"version {version} of model '{model}' is in use by alias {string.Join(", ", aliases.Select(a => $"'{a}'"))}; move or remove the alias first");
            }

            await using var delete = PostgresDatabase.Command(
                connection, transaction, "DELETE FROM registry_versions WHERE model = @model AND version = @version", ("model", model), ("version", version));
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Locks the model's row until the transaction ends; false when the model is not registered.</summary>
    private static async Task<bool> LockModelAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string model, CancellationToken cancellationToken)
    {
        await using var command = PostgresDatabase.Command(connection, transaction, "SELECT 1 FROM registry_models WHERE name = @model FOR UPDATE", ("model", model));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    private static async Task<bool> KnownModelAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string model, CancellationToken cancellationToken)
    {
        await using var command = PostgresDatabase.Command(connection, transaction, "SELECT 1 FROM registry_models WHERE name = @model", ("model", model));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    private static async Task<bool> VersionExistsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string model, long version, CancellationToken cancellationToken)
    {
        await using var command = PostgresDatabase.Command(
            connection, transaction, "SELECT 1 FROM registry_versions WHERE model = @model AND version = @version", ("model", model), ("version", version));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
    }

    private static async Task<long?> AliasTargetAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string model, string alias, CancellationToken cancellationToken)
    {
        await using var command = PostgresDatabase.Command(
            connection, transaction, "SELECT version FROM registry_aliases WHERE model = @model AND alias = @alias", ("model", model), ("alias", alias));
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long version ? version : null;
    }

    private static async Task RecordMoveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AliasMove move, CancellationToken cancellationToken)
    {
        await using var command = PostgresDatabase.Command(
            connection,
            transaction,
            """
            INSERT INTO registry_alias_moves (model, alias, from_version, to_version, moved_by, moved_at)
            VALUES (@model, @alias, @from::BIGINT, @to::BIGINT, @by, @at)
            """,
            ("model", move.Model),
            ("alias", move.Alias),
            ("from", move.From),
            ("to", move.To),
            ("by", move.By),
            ("at", PostgresDatabase.Utc(move.At)));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<ModelVersionInfo>> ReadVersionsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var versions = new List<ModelVersionInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add(new ModelVersionInfo(
                reader.GetString(0),
                reader.GetInt64(1),
                new ArtifactRef(reader.GetString(2), reader.GetInt64(3)),
                RegistryJson.ReadSignature(reader.GetString(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetString(6),
                RegistryJson.ReadMap<string>(reader.GetString(7)),
                RegistryJson.ReadMap<double>(reader.GetString(8)),
                RegistryJson.ReadMap<string>(reader.GetString(9)),
                reader.GetString(10),
                reader.GetFieldValue<DateTimeOffset>(11)));
        }

        return versions;
    }
}
