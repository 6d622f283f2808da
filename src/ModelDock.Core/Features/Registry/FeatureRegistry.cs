using System.Globalization;
using Microsoft.Data.Sqlite;
using ModelDock.Errors;
using ModelDock.Features.Definitions;

namespace ModelDock.Features.Registry;

/// <summary>
/// Versioned feature definitions in SQLite (<c>&lt;dataDir&gt;/modeldock.db</c>, tables <c>feature_*</c>).
/// An apply is one transaction; WAL with full sync makes an acknowledged apply survive a crash.
/// </summary>
public sealed class FeatureRegistry : IDisposable
{
    public const string DatabaseFileName = "modeldock.db";

    private readonly string _connectionString;
    private readonly TimeProvider _timeProvider;

    public FeatureRegistry(string dataDir, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Directory.CreateDirectory(dataDir);
        _timeProvider = timeProvider;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDir, DatabaseFileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
        using var connection = Open();
        Execute(connection, null, RegistrySchema.Create);
    }

    /// <summary>Stores every object whose definition differs from its latest version and reports the differences.</summary>
    public FeatureApplyResult Apply(FeatureRepository repository) => Store(repository, commit: true);

    /// <summary>What <see cref="Apply(FeatureRepository)"/> would change, without storing anything (Feast's <c>plan</c>).</summary>
    public FeatureApplyResult Plan(FeatureRepository repository) => Store(repository, commit: false);

    /// <summary>Grows with every apply that changed something: a server polls it to pick up a new apply.</summary>
    public long ChangeCounter()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT counter FROM feature_changes WHERE id = 1";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private FeatureApplyResult Store(FeatureRepository repository, bool commit)
    {
        ArgumentNullException.ThrowIfNull(repository);
        using var connection = Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var store = new RegistryTransaction(connection, transaction, _timeProvider.GetUtcNow());
        var changes = new List<FeatureChange>();

        foreach (var entity in repository.Entities)
        {
            store.Put(FeatureObjectKind.Entity, entity.Name, DefinitionSnapshots.Serialize(entity), changes,
                old => ChangeClassifier.CompareEntities(DefinitionSnapshots.Deserialize<Entity>(old), entity));
        }

        foreach (var source in repository.Sources)
        {
            store.Put(FeatureObjectKind.Source, source.Name, DefinitionSnapshots.Serialize(source), changes,
                old => ChangeClassifier.CompareSources(DefinitionSnapshots.Deserialize<DataSource>(old), source));
        }

        var viewVersions = new Dictionary<string, int>(StringComparer.Ordinal);
        var breakingViews = new HashSet<string>(StringComparer.Ordinal);
        foreach (var view in repository.FeatureViews)
        {
            var snapshot = new ViewSnapshot(
                view, view.Entities.Select(repository.GetEntity).ToArray(), repository.GetSource(view.Source));
            var change = store.Put(FeatureObjectKind.FeatureView, view.Name, DefinitionSnapshots.Serialize(snapshot), changes,
                old => ChangeClassifier.CompareViews(DefinitionSnapshots.Deserialize<ViewSnapshot>(old), snapshot));
            viewVersions[view.Name] = change.Version;
            if (change.Kind == FeatureChangeKind.Breaking)
            {
                breakingViews.Add(view.Name);
            }
        }

        foreach (var service in repository.FeatureServices)
        {
            var pinned = service.Features.Select(f => f.View).Distinct(StringComparer.Ordinal)
                .ToDictionary(v => v, v => viewVersions[v], StringComparer.Ordinal);
            var snapshot = new ServiceSnapshot(service, pinned);
            store.Put(FeatureObjectKind.FeatureService, service.Name, DefinitionSnapshots.Serialize(snapshot), changes,
                old => ChangeClassifier.CompareServices(DefinitionSnapshots.Deserialize<ServiceSnapshot>(old), snapshot, breakingViews));
        }

        store.RemoveMissing(changes);
        if (!commit)
        {
            transaction.Rollback();
            return new FeatureApplyResult(changes);
        }

        // A new folder moves every source path, so servers re-read the definitions even when no object changed.
        var folderMoved = store.SetFolder(repository.Folder);
        if (folderMoved || changes.Count > 0)
        {
            store.CountChange();
        }

        transaction.Commit();
        return new FeatureApplyResult(changes);
    }

    /// <summary>The latest version of every object that has not been removed; null before the first apply.</summary>
    public FeatureRepository? GetRepository()
    {
        using var connection = Open();
        var folder = Scalar(connection, "SELECT folder FROM feature_repository WHERE id = 1");
        if (folder is null)
        {
            return null;
        }

        var heads = ReadHeads(connection);
        return new FeatureRepository(
            folder,
            heads(FeatureObjectKind.Entity).Select(DefinitionSnapshots.Deserialize<Entity>).ToArray(),
            heads(FeatureObjectKind.Source).Select(DefinitionSnapshots.Deserialize<DataSource>).ToArray(),
            heads(FeatureObjectKind.FeatureView).Select(j => DefinitionSnapshots.Deserialize<ViewSnapshot>(j).View).ToArray(),
            heads(FeatureObjectKind.FeatureService).Select(j => DefinitionSnapshots.Deserialize<ServiceSnapshot>(j).Service).ToArray());
    }

    /// <summary>A view's latest version (<paramref name="version"/> null) or a specific one; <see cref="ErrorKind.NotFound"/> otherwise.</summary>
    public VersionedFeatureView GetFeatureView(string name, int? version = null)
    {
        using var connection = Open();
        var (json, found) = ReadVersion(connection, FeatureObjectKind.FeatureView, name, version, "feature view");
        var snapshot = DefinitionSnapshots.Deserialize<ViewSnapshot>(json);
        return new VersionedFeatureView(snapshot.View, found, snapshot.Entities, snapshot.Source);
    }

    /// <summary>
    /// A service by <c>name</c> (latest) or <c>name:version</c>; <see cref="ErrorKind.InvalidInput"/> for a malformed
    /// version, <see cref="ErrorKind.NotFound"/> for an unknown service or version.
    /// </summary>
    public VersionedFeatureService GetFeatureService(string nameAndVersion)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameAndVersion);
        var (name, version) = ParseNameAndVersion(nameAndVersion);
        using var connection = Open();
        var (json, found) = ReadVersion(connection, FeatureObjectKind.FeatureService, name, version, "feature service");
        var snapshot = DefinitionSnapshots.Deserialize<ServiceSnapshot>(json);
        var views = snapshot.ViewVersions.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => DefinitionSnapshots.Deserialize<ViewSnapshot>(
                ReadVersion(connection, FeatureObjectKind.FeatureView, p.Key, p.Value, "feature view").Json))
            .ToArray();
        var folder = Scalar(connection, "SELECT folder FROM feature_repository WHERE id = 1") ?? string.Empty;
        var repository = new FeatureRepository(
            folder,
            views.SelectMany(v => v.Entities).DistinctBy(e => e.Name, StringComparer.Ordinal).ToArray(),
            views.Select(v => v.Source).DistinctBy(s => s.Name, StringComparer.Ordinal).ToArray(),
            views.Select(v => v.View).ToArray(),
            [snapshot.Service]);
        return new VersionedFeatureService(snapshot.Service, found, snapshot.ViewVersions, repository);
    }

    /// <summary>Every stored version of an object, ascending.</summary>
    public IReadOnlyList<int> GetVersions(FeatureObjectKind kind, string name)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM feature_definitions WHERE kind = $kind AND name = $name ORDER BY version";
        command.Parameters.AddWithValue("$kind", kind.ToString());
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        var versions = new List<int>();
        while (reader.Read())
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }

    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    internal static (string Name, int? Version) ParseNameAndVersion(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            return (text, null);
        }

        var versionText = text[(colon + 1)..];
        if (colon == 0 || !int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            throw ModelDockException.InvalidInput($"'{text}' is not of the form 'name' or 'name:version' with a version of 1 or more.");
        }

        return (text[..colon], version);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, null, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;");
        return connection;
    }

    private static Func<FeatureObjectKind, IEnumerable<string>> ReadHeads(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT d.kind, d.definition FROM feature_heads h
            JOIN feature_definitions d ON d.kind = h.kind AND d.name = h.name AND d.version = h.version
            ORDER BY d.name
            """;
        using var reader = command.ExecuteReader();
        var byKind = new List<(string Kind, string Json)>();
        while (reader.Read())
        {
            byKind.Add((reader.GetString(0), reader.GetString(1)));
        }

        return kind => byKind.Where(r => r.Kind == kind.ToString()).Select(r => r.Json).ToArray();
    }

    private static (string Json, int Version) ReadVersion(
        SqliteConnection connection, FeatureObjectKind kind, string name, int? version, string what)
    {
        using var command = connection.CreateCommand();
        command.CommandText = version is null
            ? """
              SELECT d.definition, d.version FROM feature_heads h
              JOIN feature_definitions d ON d.kind = h.kind AND d.name = h.name AND d.version = h.version
              WHERE h.kind = $kind AND h.name = $name
              """
            : "SELECT definition, version FROM feature_definitions WHERE kind = $kind AND name = $name AND version = $version";
        command.Parameters.AddWithValue("$kind", kind.ToString());
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$version", version ?? 0);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            throw ModelDockException.NotFound(version is null
                ? $"Unknown {what} '{name}'."
                : $"Unknown {what} '{name}' version {version}.");
        }

        return (reader.GetString(0), reader.GetInt32(1));
    }

    private static string? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar() as string;
    }

    internal static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
