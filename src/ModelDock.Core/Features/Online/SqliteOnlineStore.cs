using System.Collections.Concurrent;
using System.Text;
using Microsoft.Data.Sqlite;
using ModelDock.Errors;

namespace ModelDock.Features.Online;

/// <summary>
/// The embedded online store: one SQLite table keyed by (entity key, view) holding the encoded row, in WAL
/// mode with full sync so an acknowledged write survives a crash and readers never wait for the writer.
/// SQLite rather than an in-memory map snapshotted to disk: a snapshot loses the writes since the last one,
/// and the CLI materializes from another process while the server reads, which a private map cannot see.
/// A read is one statement per 256 keys, whatever the number of views.
/// </summary>
internal sealed class SqliteOnlineStore : IOnlineStore
{
    private const int MaxCachedShapes = 64;

    // Keys per read statement. Microsoft.Data.Sqlite binds each parameter by name, a scan over the statement's
    // parameters, so one statement for all of a request's keys costs time quadratic in the key count (20,000 keys
    // took seconds and stalled every other read); in chunks the cost is linear, and far below SQLite's limit of
    // 32,766 parameters per statement.
    private const int KeysPerStatement = 256;
    private const long MapBytes = 1L << 30;
    private const string UpsertSql = """
        INSERT INTO online_rows (entity_key, view, event_ticks, created_ticks, row)
        VALUES ($key, $view, $event, $created, $row)
        ON CONFLICT (entity_key, view) DO UPDATE SET
            event_ticks = excluded.event_ticks, created_ticks = excluded.created_ticks, row = excluded.row
        WHERE excluded.event_ticks > online_rows.event_ticks
           OR (excluded.event_ticks = online_rows.event_ticks AND excluded.created_ticks >= online_rows.created_ticks)
        """;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentBag<Reader> _readers = [];
    private SqliteConnection? _writer;
    private long _statementCount;

    private SqliteOnlineStore(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();
    }

    public string Name => "sqlite";

    public string Path { get; }

    /// <summary>Statements run by reads since the store opened; benchmarks report it as round trips.</summary>
    public long ReadStatementCount => Interlocked.Read(ref _statementCount);

    /// <summary>Where the embedded store lives in a data folder: <c>&lt;dataDir&gt;/online/online.db</c>.</summary>
    public static string PathIn(string dataDir) => System.IO.Path.Combine(dataDir, "online", "online.db");

    /// <summary>Opens (creating if needed) the store in <paramref name="path"/>; its folder must be writable.</summary>
    public static SqliteOnlineStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        var store = new SqliteOnlineStore(path);
        try
        {
            store._writer = store.OpenConnection();
            Execute(store._writer, """
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS online_rows (
                    entity_key BLOB NOT NULL,
                    view TEXT NOT NULL,
                    event_ticks INTEGER NOT NULL,
                    created_ticks INTEGER NOT NULL,
                    row BLOB NOT NULL,
                    PRIMARY KEY (entity_key, view)) WITHOUT ROWID;
                """);
            return store;
        }
        catch (SqliteException e)
        {
            store._writer?.Dispose();
            throw new ModelDockException(ErrorKind.Unavailable, $"online store 'sqlite' at '{path}' cannot be opened: {e.Message}", e);
        }
    }

    public async Task<int> WriteAsync(string view, IReadOnlyList<string> featureNames, IReadOnlyList<OnlineWriteRow> rows, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(view);
        ArgumentNullException.ThrowIfNull(featureNames);
        ArgumentNullException.ThrowIfNull(rows);
        var names = featureNames.Select(Encoding.UTF8.GetBytes).ToArray();
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = _writer ?? throw new ObjectDisposedException(nameof(SqliteOnlineStore));
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = UpsertSql;
            var key = command.Parameters.Add("$key", SqliteType.Blob);
            command.Parameters.AddWithValue("$view", view);
            var eventTicks = command.Parameters.Add("$event", SqliteType.Integer);
            var createdTicks = command.Parameters.Add("$created", SqliteType.Integer);
            var row = command.Parameters.Add("$row", SqliteType.Blob);
            command.Prepare();
            var replaced = 0;
            foreach (var input in rows)
            {
                var created = input.CreatedTimestamp?.UtcTicks ?? 0;
                key.Value = input.Key.Bytes;
                eventTicks.Value = input.EventTimestamp.UtcTicks;
                createdTicks.Value = created;
                row.Value = OnlineRowCodec.Encode(names, input.Values, input.EventTimestamp.UtcTicks, created);
                replaced += command.ExecuteNonQuery();
            }

            transaction.Commit();
            return replaced;
        }
        catch (SqliteException e)
        {
            throw Unavailable(e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public ValueTask<OnlineReadResult> ReadAsync(IReadOnlyList<EntityKey> keys, OnlineReadPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(plan);
        var result = new OnlineReadResult(plan, keys.Count);
        if (keys.Count == 0)
        {
            return ValueTask.FromResult(result);
        }

        var reader = Rent();
        try
        {
            Interlocked.Add(ref _statementCount, reader.Read(keys, result));
            _readers.Add(reader);
            return ValueTask.FromResult(result);
        }
        catch (SqliteException e)
        {
            reader.Dispose();
            throw Unavailable(e);
        }
    }

    public ValueTask<OnlineStoreHealth> CheckHealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            var reader = Rent();
            reader.Ping();
            _readers.Add(reader);
            return ValueTask.FromResult(OnlineStoreHealth.Healthy("sqlite (embedded) answered"));
        }
        catch (ModelDockException e)
        {
            return ValueTask.FromResult(OnlineStoreHealth.Unhealthy(e.Message));
        }
        catch (SqliteException e)
        {
            return ValueTask.FromResult(OnlineStoreHealth.Unhealthy(Unavailable(e).Message));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _writer?.Dispose();
            _writer = null;
            while (_readers.TryTake(out var reader))
            {
                reader.Dispose();
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    // Clients see this message (503 and the health endpoint), so it names no path; the path is in Open's error,
    // which only the operator starting the server sees.
    private static ModelDockException Unavailable(SqliteException e) =>
        new(ErrorKind.Unavailable, $"online store 'sqlite' failed: {e.Message}", e);

    private SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // Reads map the file instead of copying pages through SQLite's small per-connection cache: a read of
        // hundreds of random rows otherwise costs a system call per page.
        Execute(connection, $"PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000; PRAGMA mmap_size = {MapBytes};");
        return connection;
    }

    private Reader Rent()
    {
        if (_readers.TryTake(out var reader))
        {
            return reader;
        }

        try
        {
            return new Reader(OpenConnection());
        }
        catch (SqliteException e)
        {
            throw Unavailable(e);
        }
    }

    /// <summary>A connection with its prepared read statements, used by one request at a time.</summary>
    private sealed class Reader(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<(int Keys, int Views), SqliteCommand> _commands = [];
        private byte[] _buffer = new byte[4096];

        public void Ping()
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM online_rows WHERE 0";
            command.ExecuteScalar();
        }

        /// <summary>Reads every key's rows of the plan's views into <paramref name="result"/>; returns the statements run.</summary>
        public int Read(IReadOnlyList<EntityKey> keys, OnlineReadResult result)
        {
            var statements = 0;
            for (var start = 0; start < keys.Count; start += KeysPerStatement)
            {
                ReadChunk(keys, start, Math.Min(KeysPerStatement, keys.Count - start), result);
                statements++;
            }

            return statements;
        }

        private void ReadChunk(IReadOnlyList<EntityKey> keys, int start, int count, OnlineReadResult result)
        {
            var views = result.Plan.Views;
            var command = CommandFor(count, views.Count);
            var parameters = command.Parameters;
            for (var i = 0; i < count; i++)
            {
                parameters[i].Value = keys[start + i].Bytes;
            }

            for (var v = 0; v < views.Count; v++)
            {
                parameters[count + v].Value = views[v].View;
            }

            try
            {
                using var rows = command.ExecuteReader();
                while (rows.Read())
                {
                    var entity = start + rows.GetInt32(0);
                    var view = rows.GetInt32(1);
                    var length = (int)rows.GetBytes(2, 0, null, 0, 0);
                    if (length > _buffer.Length)
                    {
                        _buffer = new byte[Math.Max(length, _buffer.Length * 2)];
                    }

                    rows.GetBytes(2, 0, _buffer, 0, length);
                    result.SetRow(entity, view, _buffer.AsSpan(0, length));
                }
            }
            finally
            {
                if (!_commands.ContainsValue(command))
                {
                    command.Dispose();
                }
            }
        }

        public void Dispose()
        {
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }

            connection.Dispose();
        }

        private SqliteCommand CommandFor(int keyCount, int viewCount)
        {
            if (_commands.TryGetValue((keyCount, viewCount), out var cached))
            {
                return cached;
            }

            // The key and view lists become two small tables joined to the primary key, so SQLite does one
            // index probe per (key, view) pair and hands back each row with its request positions.
            var sql = new StringBuilder("WITH k(i, key) AS (VALUES ");
            for (var i = 0; i < keyCount; i++)
            {
                sql.Append(i == 0 ? "" : ",").Append('(').Append(i).Append(",$k").Append(i).Append(')');
            }

            sql.Append("), v(j, view) AS (VALUES ");
            for (var j = 0; j < viewCount; j++)
            {
                sql.Append(j == 0 ? "" : ",").Append('(').Append(j).Append(",$v").Append(j).Append(')');
            }

            sql.Append(") SELECT k.i, v.j, r.row FROM k CROSS JOIN v JOIN online_rows r ON r.entity_key = k.key AND r.view = v.view");
            var command = connection.CreateCommand();
            command.CommandText = sql.ToString();
            for (var i = 0; i < keyCount; i++)
            {
                command.Parameters.Add("$k" + i, SqliteType.Blob);
            }

            for (var j = 0; j < viewCount; j++)
            {
                command.Parameters.Add("$v" + j, SqliteType.Text);
            }

            command.Prepare();
            if (_commands.Count < MaxCachedShapes)
            {
                _commands[(keyCount, viewCount)] = command;
            }

            return command;
        }
    }
}
