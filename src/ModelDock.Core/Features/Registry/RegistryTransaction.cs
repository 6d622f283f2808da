using System.Globalization;
using Microsoft.Data.Sqlite;

namespace ModelDock.Features.Registry;

/// <summary>The writes of one apply, inside its transaction.</summary>
internal sealed class RegistryTransaction(SqliteConnection connection, SqliteTransaction transaction, DateTimeOffset now)
{
    private readonly HashSet<(FeatureObjectKind, string)> _seen = [];

    /// <summary>Stores <paramref name="json"/> as a new version unless it equals the head; returns the resulting version.</summary>
    public (int Version, FeatureChangeKind? Kind) Put(
        FeatureObjectKind kind, string name, string json, List<FeatureChange> changes, Func<string, List<string>> compare)
    {
        _seen.Add((kind, name));
        var head = ReadHead(kind, name);
        if (head is { } current && current.Json == json)
        {
            return (current.Version, null);
        }

        var version = NextVersion(kind, name);
        Write("""
            INSERT INTO feature_definitions (kind, name, version, definition, applied_at)
            VALUES ($kind, $name, $version, $json, $now);
            INSERT INTO feature_heads (kind, name, version) VALUES ($kind, $name, $version)
            ON CONFLICT (kind, name) DO UPDATE SET version = excluded.version;
            """, kind, name, version, json);
        FeatureChange change;
        if (head is { } previous)
        {
            var details = compare(previous.Json);
            change = new FeatureChange(kind, name, ChangeClassifier.Classify(details), version, previous.Version, details);
        }
        else
        {
            change = new FeatureChange(kind, name, FeatureChangeKind.Added, version, null, []);
        }

        changes.Add(change);
        return (version, change.Change);
    }

    public void RemoveMissing(List<FeatureChange> changes)
    {
        using var command = Command("SELECT kind, name, version FROM feature_heads ORDER BY kind, name");
        var removed = new List<(FeatureObjectKind Kind, string Name, int Version)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var kind = Enum.Parse<FeatureObjectKind>(reader.GetString(0));
                if (!_seen.Contains((kind, reader.GetString(1))))
                {
                    removed.Add((kind, reader.GetString(1), reader.GetInt32(2)));
                }
            }
        }

        foreach (var (kind, name, version) in removed)
        {
            Write("DELETE FROM feature_heads WHERE kind = $kind AND name = $name", kind, name, version, string.Empty);
            changes.Add(new FeatureChange(kind, name, FeatureChangeKind.Removed, version, version, []));
        }
    }

    /// <summary>Tells servers polling <c>feature_changes</c> that the applied definitions moved on.</summary>
    public void CountChange()
    {
        using var command = Command("UPDATE feature_changes SET counter = counter + 1 WHERE id = 1");
        command.ExecuteNonQuery();
    }

    /// <summary>Records the folder source paths are relative to; true when it differs from the one recorded before.</summary>
    public bool SetFolder(string folder)
    {
        string? before;
        using (var read = Command("SELECT folder FROM feature_repository WHERE id = 1"))
        {
            before = read.ExecuteScalar() as string;
        }

        using var command = Command("""
            INSERT INTO feature_repository (id, folder, applied_at) VALUES (1, $folder, $now)
            ON CONFLICT (id) DO UPDATE SET folder = excluded.folder, applied_at = excluded.applied_at
            """);
        command.Parameters.AddWithValue("$folder", folder);
        command.Parameters.AddWithValue("$now", now.ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
        return !string.Equals(before, folder, StringComparison.Ordinal);
    }

    private (int Version, string Json)? ReadHead(FeatureObjectKind kind, string name)
    {
        using var command = Command("""
            SELECT d.version, d.definition FROM feature_heads h
            JOIN feature_definitions d ON d.kind = h.kind AND d.name = h.name AND d.version = h.version
            WHERE h.kind = $kind AND h.name = $name
            """);
        command.Parameters.AddWithValue("$kind", kind.ToString());
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt32(0), reader.GetString(1)) : null;
    }

    private int NextVersion(FeatureObjectKind kind, string name)
    {
        using var command = Command("SELECT COALESCE(MAX(version), 0) + 1 FROM feature_definitions WHERE kind = $kind AND name = $name");
        command.Parameters.AddWithValue("$kind", kind.ToString());
        command.Parameters.AddWithValue("$name", name);
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private void Write(string sql, FeatureObjectKind kind, string name, int version, string json)
    {
        using var command = Command(sql);
        command.Parameters.AddWithValue("$kind", kind.ToString());
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$version", version);
        command.Parameters.AddWithValue("$json", json);
        command.Parameters.AddWithValue("$now", now.ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
