using Azure.Storage.Blobs;
using ModelDock.Registry;
using Npgsql;

namespace ModelDock.Testing;

/// <summary>
/// A fresh, empty schema on the test PostgreSQL server (<see cref="TestServices.Postgres"/>), dropped on dispose. Its
/// connection string puts the schema first on the search path, so ModelDock's tables are created in it and tests
/// running at once never see each other's rows.
/// </summary>
public sealed class TestPostgresSchema : IDisposable
{
    private readonly string _server;

    public TestPostgresSchema()
    {
        _server = TestServices.RequirePostgres();
        Name = "modeldock_test_" + Guid.NewGuid().ToString("N");
        Execute($"CREATE SCHEMA {Name}");
        ConnectionString = new NpgsqlConnectionStringBuilder(_server) { SearchPath = Name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>For ModelDock's PostgreSQL stores, e.g. as <c>MODELDOCK__REGISTRY__POSTGRES</c>.</summary>
    public string ConnectionString { get; }

    public void Dispose() => Execute($"DROP SCHEMA IF EXISTS {Name} CASCADE");

    private void Execute(string sql)
    {
        // Outside any pool, so the test server keeps no idle connections from the tests.
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_server) { Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}

/// <summary>A container name of its own on the test Blob service (<see cref="TestServices.Azurite"/>), deleted on dispose.</summary>
public sealed class TestBlobContainer : IDisposable
{
    public TestBlobContainer()
    {
        ConnectionString = TestServices.RequireAzurite();
        Name = "modeldock-test-" + Guid.NewGuid().ToString("N");
    }

    /// <summary>For ModelDock's Blob artifact store, e.g. as <c>MODELDOCK__REGISTRY__BLOBSTORAGE</c>.</summary>
    public string ConnectionString { get; }

    /// <summary>Not created here: the store must create it when missing.</summary>
    public string Name { get; }

    public BlobContainerClient Client => new(ConnectionString, Name);

    internal BlobArtifactStore Store(BlobClientOptions? options = null) => new(ConnectionString, Name, options);

    public void Dispose() => Client.DeleteIfExists();
}
