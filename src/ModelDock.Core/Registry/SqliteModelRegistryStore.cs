using System.Globalization;
using Microsoft.Data.Sqlite;
using ModelDock.Errors;
using ModelDock.Storage;

namespace ModelDock.Registry;

/// <summary>
/// The registry's metadata in the data folder's SQLite database (tables <c>registry_*</c>, beside the feature
/// registry's). Writes are transactions that take the write lock at once, so two registrations of one model queue
/// instead of both reading the same next number; WAL with full sync makes an acknowledged write survive a crash.
/// </summary>
internal sealed class SqliteModelRegistryStore : IModelRegistryStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS registry_models (
            name TEXT PRIMARY KEY,
            next_version INTEGER NOT NULL,
            created_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS registry_versions (
            model TEXT NOT NULL,
            version INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            signature TEXT NOT NULL,
            config TEXT,
            description TEXT NOT NULL,
            tags TEXT NOT NULL,
            metrics TEXT NOT NULL,
            lineage TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (model, version));
        CREATE TABLE IF NOT EXISTS registry_aliases (
            model TEXT NOT NULL,
            alias TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (model, alias));
        CREATE TABLE IF NOT EXISTS registry_alias_moves (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            model TEXT NOT NULL,
            alias TEXT NOT NULL,
            from_version INTEGER,
            to_version INTEGER,
            moved_by TEXT NOT NULL,
            moved_at TEXT NOT NULL);
        """;

    private const string VersionColumns = "model, version, sha256, bytes, signature, config, description, tags, metrics, lineage, created_by, created_at";

    private readonly string _connectionString;

    public SqliteModelRegistryStore(string dataDir)
    {
        _connectionString = SqliteDataFile.ConnectionString(dataDir);
        using var connection = SqliteDataFile.Open(_connectionString);
        SqliteDataFile.Execute(connection, null, Schema);
    }

    public string Name => "sqlite";

    public Task<ModelVersionInfo> AddVersionAsync(ModelVersionDraft draft, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var transaction = connection.BeginTransaction(deferred: false);
        var at = Text(now);
        using (var insert = SqliteDataFile.Command(connection, transaction, "INSERT INTO registry_models (name, next_version, created_at) VALUES ($model, 1, $at) ON CONFLICT (name) DO NOTHING"))
        {
            insert.Parameters.AddWithValue("$model", draft.Model);
            insert.Parameters.AddWithValue("$at", at);
            insert.ExecuteNonQuery();
        }

        long version;
        using (var next = SqliteDataFile.Command(connection, transaction, "UPDATE registry_models SET next_version = next_version + 1 WHERE name = $model RETURNING next_version - 1"))
        {
            next.Parameters.AddWithValue("$model", draft.Model);
            version = Convert.ToInt64(next.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        var info = new ModelVersionInfo(
            draft.Model, version, draft.Artifact, draft.Signature, draft.Config, draft.Description,
            draft.Tags, draft.Metrics, draft.Lineage, draft.CreatedBy, now);
        using (var write = SqliteDataFile.Command(connection, transaction, $"""
            INSERT INTO registry_versions ({VersionColumns})
            VALUES ($model, $version, $sha256, $bytes, $signature, $config, $description, $tags, $metrics, $lineage, $by, $at)
            """))
        {
            var p = write.Parameters;
            p.AddWithValue("$model", info.Model);
            p.AddWithValue("$version", info.Version);
            p.AddWithValue("$sha256", info.Artifact.Sha256);
            p.AddWithValue("$bytes", info.Artifact.Bytes);
            p.AddWithValue("$signature", RegistryJson.Signature(info.Signature));
            p.AddWithValue("$config", (object?)info.Config ?? DBNull.Value);
            p.AddWithValue("$description", info.Description);
            p.AddWithValue("$tags", RegistryJson.Map(info.Tags));
            p.AddWithValue("$metrics", RegistryJson.Map(info.Metrics));
            p.AddWithValue("$lineage", RegistryJson.Map(info.Lineage));
            p.AddWithValue("$by", info.CreatedBy);
            p.AddWithValue("$at", at);
            write.ExecuteNonQuery();
        }

        transaction.Commit();
        return Task.FromResult(info);
    }

    public Task<ModelVersionInfo> GetVersionAsync(string model, long version, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var command = SqliteDataFile.Command(connection, null, $"SELECT {VersionColumns} FROM registry_versions WHERE model = $model AND version = $version");
        command.Parameters.AddWithValue("$model", model);
        command.Parameters.AddWithValue("$version", version);
        var found = ReadVersions(command);
        return Task.FromResult(found.Count == 1
            ? found[0]
            : throw ModelDockException.NotFound(KnownModel(connection, model)
                ? $"model '{model}' has no version {version}"
                : $"model '{model}' is not registered"));
    }

    public Task<IReadOnlyList<ModelVersionInfo>> ListVersionsAsync(string model, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var command = SqliteDataFile.Command(connection, null, $"SELECT {VersionColumns} FROM registry_versions WHERE model = $model ORDER BY version");
        command.Parameters.AddWithValue("$model", model);
        var versions = ReadVersions(command);
        return Task.FromResult<IReadOnlyList<ModelVersionInfo>>(versions.Count > 0 || KnownModel(connection, model)
            ? versions
            : throw ModelDockException.NotFound($"model '{model}' is not registered"));
    }

    public Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var command = SqliteDataFile.Command(connection, null, "SELECT name FROM registry_models ORDER BY name");
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return Task.FromResult<IReadOnlyList<string>>(names);
    }

    public Task<AliasMove> SetAliasAsync(string model, string alias, long version, string by, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var transaction = connection.BeginTransaction(deferred: false);
        if (!VersionExists(connection, transaction, model, version))
        {
            throw ModelDockException.NotFound(KnownModel(connection, model, transaction)
                ? $"cannot point alias '{alias}' at version {version}: model '{model}' has no such version"
                : $"cannot point alias '{alias}' at a version of model '{model}': it is not registered");
        }

        var from = AliasTarget(connection, transaction, model, alias);
        using (var set = SqliteDataFile.Command(connection, transaction, """
            INSERT INTO registry_aliases (model, alias, version) VALUES ($model, $alias, $version)
            ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version
            """))
        {
            set.Parameters.AddWithValue("$model", model);
            set.Parameters.AddWithValue("$alias", alias);
            set.Parameters.AddWithValue("$version", version);
            set.ExecuteNonQuery();
        }

        var move = new AliasMove(model, alias, from, version, by, now);
        RecordMove(connection, transaction, move);
        transaction.Commit();
        return Task.FromResult(move);
    }

    public Task<AliasMove> RemoveAliasAsync(string model, string alias, string by, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var transaction = connection.BeginTransaction(deferred: false);
        var from = AliasTarget(connection, transaction, model, alias)
            ?? throw ModelDockException.NotFound($"model '{model}' has no alias '{alias}'");
        using (var remove = SqliteDataFile.Command(connection, transaction, "DELETE FROM registry_aliases WHERE model = $model AND alias = $alias"))
        {
            remove.Parameters.AddWithValue("$model", model);
            remove.Parameters.AddWithValue("$alias", alias);
            remove.ExecuteNonQuery();
        }

        var move = new AliasMove(model, alias, from, null, by, now);
        RecordMove(connection, transaction, move);
        transaction.Commit();
        return Task.FromResult(move);
    }

    public Task<long> ResolveAliasAsync(string model, string alias, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        return Task.FromResult(AliasTarget(connection, null, model, alias)
            ?? throw ModelDockException.NotFound(KnownModel(connection, model)
                ? $"model '{model}' has no alias '{alias}'"
                : $"model '{model}' is not registered"));
    }

    public Task<IReadOnlyDictionary<string, long>> GetAliasesAsync(string model, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var command = SqliteDataFile.Command(connection, null, "SELECT alias, version FROM registry_aliases WHERE model = $model ORDER BY alias");
        command.Parameters.AddWithValue("$model", model);
        using var reader = command.ExecuteReader();
        var aliases = new SortedDictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            aliases[reader.GetString(0)] = reader.GetInt64(1);
        }

        return Task.FromResult<IReadOnlyDictionary<string, long>>(aliases);
    }

    public Task<IReadOnlyList<AliasMove>> GetAliasHistoryAsync(string model, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var command = SqliteDataFile.Command(connection, null, """
            SELECT model, alias, from_version, to_version, moved_by, moved_at FROM registry_alias_moves
            WHERE model = $model ORDER BY id
            """);
        command.Parameters.AddWithValue("$model", model);
        using var reader = command.ExecuteReader();
        var moves = new List<AliasMove>();
        while (reader.Read())
        {
            moves.Add(new AliasMove(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetInt64(3),
                reader.GetString(4),
                ParseTime(reader.GetString(5))));
        }

        return Task.FromResult<IReadOnlyList<AliasMove>>(moves);
    }

    public Task DeleteVersionAsync(string model, long version, CancellationToken cancellationToken)
    {
        using var connection = SqliteDataFile.Open(_connectionString);
        using var transaction = connection.BeginTransaction(deferred: false);
        if (!VersionExists(connection, transaction, model, version))
        {
            throw ModelDockException.NotFound($"model '{model}' has no version {version}");
        }

        using (var users = SqliteDataFile.Command(connection, transaction, "SELECT alias FROM registry_aliases WHERE model = $model AND version = $version ORDER BY alias"))
        {
            users.Parameters.AddWithValue("$model", model);
            users.Parameters.AddWithValue("$version", version);
            using var reader = users.ExecuteReader();
            var aliases = new List<string>();
            while (reader.Read())
            {
                aliases.Add(reader.GetString(0));
            }

            if (aliases.Count > 0)
            {
                throw new ModelDockException(
                    ErrorKind.Conflict,
                    $"version {version} of model '{model}' is in use by alias {string.Join(", ", aliases.Select(a => $"'{a}'"))}; move or remove the alias first");
            }
        }

        using (var delete = SqliteDataFile.Command(connection, transaction, "DELETE FROM registry_versions WHERE model = $model AND version = $version"))
        {
            delete.Parameters.AddWithValue("$model", model);
            delete.Parameters.AddWithValue("$version", version);
            delete.ExecuteNonQuery();
        }

        transaction.Commit();
        return Task.CompletedTask;
    }

    private static bool KnownModel(SqliteConnection connection, string model, SqliteTransaction? transaction = null)
    {
        using var command = SqliteDataFile.Command(connection, transaction, "SELECT 1 FROM registry_models WHERE name = $model");
        command.Parameters.AddWithValue("$model", model);
        return command.ExecuteScalar() is not null;
    }

    private static bool VersionExists(SqliteConnection connection, SqliteTransaction transaction, string model, long version)
    {
        using var command = SqliteDataFile.Command(connection, transaction, "SELECT 1 FROM registry_versions WHERE model = $model AND version = $version");
        command.Parameters.AddWithValue("$model", model);
        command.Parameters.AddWithValue("$version", version);
        return command.ExecuteScalar() is not null;
    }

    private static long? AliasTarget(SqliteConnection connection, SqliteTransaction? transaction, string model, string alias)
    {
        using var command = SqliteDataFile.Command(connection, transaction, "SELECT version FROM registry_aliases WHERE model = $model AND alias = $alias");
        command.Parameters.AddWithValue("$model", model);
        command.Parameters.AddWithValue("$alias", alias);
        return command.ExecuteScalar() is { } version ? Convert.ToInt64(version, CultureInfo.InvariantCulture) : null;
    }

    private static void RecordMove(SqliteConnection connection, SqliteTransaction transaction, AliasMove move)
    {
        using var command = SqliteDataFile.Command(connection, transaction, """
            INSERT INTO registry_alias_moves (model, alias, from_version, to_version, moved_by, moved_at)
            VALUES ($model, $alias, $from, $to, $by, $at)
            """);
        command.Parameters.AddWithValue("$model", move.Model);
        command.Parameters.AddWithValue("$alias", move.Alias);
        command.Parameters.AddWithValue("$from", (object?)move.From ?? DBNull.Value);
        command.Parameters.AddWithValue("$to", (object?)move.To ?? DBNull.Value);
        command.Parameters.AddWithValue("$by", move.By);
        command.Parameters.AddWithValue("$at", Text(move.At));
        command.ExecuteNonQuery();
    }

    private static List<ModelVersionInfo> ReadVersions(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var versions = new List<ModelVersionInfo>();
        while (reader.Read())
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
                ParseTime(reader.GetString(11))));
        }

        return versions;
    }

    private static string Text(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
