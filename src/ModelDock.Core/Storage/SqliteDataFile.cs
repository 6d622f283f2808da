using Microsoft.Data.Sqlite;
using ModelDock.Features.Registry;

namespace ModelDock.Storage;

/// <summary>
/// The data folder's SQLite database, which the registry, the endpoints and the feature registry share (each with
/// its own table prefix). Every connection uses WAL with full sync, so an acknowledged write survives a crash, and
/// waits for a writer instead of failing while another process writes.
/// </summary>
internal static class SqliteDataFile
{
    public static string ConnectionString(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDir, FeatureRegistry.DatabaseFileName),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
        }.ToString();
    }

    public static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, null, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;");
        return connection;
    }

    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    public static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = Command(connection, transaction, sql);
        command.ExecuteNonQuery();
    }
}
