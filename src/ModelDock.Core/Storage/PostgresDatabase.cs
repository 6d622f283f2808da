using ModelDock.Errors;
using Npgsql;

namespace ModelDock.Storage;

/// <summary>
/// The PostgreSQL database that replicas share for registry, endpoint and key metadata (each store with its own table
/// prefix, as in SQLite). One pooled data source serves every store; each store's tables are created at its first use;
/// and a server that cannot be reached surfaces as <see cref="ErrorKind.Unavailable"/> naming it, never as a driver
/// exception, so the admin API answers 503 and the CLI prints one line.
/// </summary>
internal sealed class PostgresDatabase : IDisposable
{
    private readonly NpgsqlDataSource _source;

    public PostgresDatabase(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            // The message never repeats the connection string: it may hold a password.
            throw ModelDockException.InvalidInput($"the PostgreSQL connection string is not valid: {e.Message}");
        }

        Address = $"{builder.Host}:{builder.Port}";
        _source = NpgsqlDataSource.Create(builder);
    }

    /// <summary>host:port, for messages.</summary>
    public string Address { get; }

    /// <summary>Runs <paramref name="read"/> on a pooled connection, after the tables exist.</summary>
    public async Task<T> ReadAsync<T>(PostgresTables tables, Func<NpgsqlConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await tables.EnsureAsync(connection, cancellationToken).ConfigureAwait(false);
            return await read(connection).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw Unreachable(e);
        }
    }

    /// <summary>Runs <paramref name="write"/> in a transaction that commits when it returns and rolls back when it throws.</summary>
    public async Task<T> WriteAsync<T>(PostgresTables tables, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await tables.EnsureAsync(connection, cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            var result = await write(connection, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw Unreachable(e);
        }
    }

    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>PostgreSQL's timestamptz takes UTC only; a time from any clock is converted, not refused.</summary>
    public static DateTimeOffset Utc(DateTimeOffset time) => time.ToUniversalTime();

    public void Dispose() => _source.Dispose();

    /// <summary>
    /// The driver's own failures (refused, reset, timed out) and the server's refusals to serve (shutting down, too many
    /// connections, unknown database, bad credentials); a rejected statement is a fault of ours and stays as it is.
    /// </summary>
    private static bool IsUnreachable(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal)
            || p.SqlState.StartsWith("28", StringComparison.Ordinal)
            || p.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || p.SqlState is PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.InvalidCatalogName,
        NpgsqlException => true,
        _ => false,
    };

    private ModelDockException Unreachable(Exception e) =>
        new(ErrorKind.Unavailable, $"PostgreSQL at {Address} is unreachable: {e.Message}", e);
}

/// <summary>
/// One store's tables, created at the store's first use rather than when it is constructed, so a server configured
/// for PostgreSQL starts (and says what is wrong) even while the database is down.
/// </summary>
internal sealed class PostgresTables(string ddl)
{
    /// <summary>Any constant: every ModelDock process takes the same lock around creating tables.</summary>
    private const long SchemaLock = 0x4D6F64656C446F63;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _created;

    public async Task EnsureAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (_created)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_created)
            {
                return;
            }

            // CREATE TABLE IF NOT EXISTS is not safe against itself: two processes starting at once can both decide the
            // table is missing and one then fails on the catalog's unique index. The lock makes the second one wait.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = PostgresDatabase.Command(connection, transaction, "SELECT pg_advisory_xact_lock(@key)", ("key", SchemaLock)))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using (var command = PostgresDatabase.Command(connection, transaction, ddl))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _created = true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
