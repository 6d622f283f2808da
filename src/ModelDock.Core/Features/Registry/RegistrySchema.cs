namespace ModelDock.Features.Registry;

/// <summary>The feature registry's tables; prefixed so other registries can share the database file.</summary>
internal static class RegistrySchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS feature_definitions (
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            definition TEXT NOT NULL,
            applied_at TEXT NOT NULL,
            PRIMARY KEY (kind, name, version));
        CREATE TABLE IF NOT EXISTS feature_heads (
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (kind, name));
        CREATE TABLE IF NOT EXISTS feature_repository (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            folder TEXT NOT NULL,
            applied_at TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS feature_changes (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            counter INTEGER NOT NULL);
        INSERT INTO feature_changes (id, counter) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
        """;
}
