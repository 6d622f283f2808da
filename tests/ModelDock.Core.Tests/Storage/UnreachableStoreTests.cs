using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using ModelDock.Access;
using ModelDock.Endpoints;
using ModelDock.Errors;
using ModelDock.Registry;
using ModelDock.Storage;
using ModelDock.Testing.Features;
using Xunit;

namespace ModelDock.Core.Tests.Storage;

/// <summary>
/// A store whose server is down answers Unavailable naming the server, which the admin API turns into 503 and the CLI
/// into its exit code, never a driver exception. The servers here are loopback ports nothing listens on.
/// </summary>
public sealed class UnreachableStoreTests : IDisposable
{
    private readonly int _closedPort = ClosedPort();
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task PostgresStores_ServerDown_UnavailableNamingHostAndPortWithinSeconds()
    {
        using var database = new PostgresDatabase($"Host=127.0.0.1;Port={_closedPort};Username=modeldock;Password=unused;Timeout=3");
        var started = TimeProvider.System.GetTimestamp();

        var errors = new[]
        {
            await Assert.ThrowsAsync<ModelDockException>(() => new PostgresModelRegistryStore(database).ListModelsAsync(default)),
            await Assert.ThrowsAsync<ModelDockException>(() => new PostgresEndpointStore(database).ChangeCounterAsync(default)),
            await Assert.ThrowsAsync<ModelDockException>(() => new PostgresEndpointStore(database).CreateAsync("fraud", "alice", DateTimeOffset.UnixEpoch, default)),
            await Assert.ThrowsAsync<ModelDockException>(() => new PostgresApiKeyStore(database).FindAsync("mdk_1", default)),
        };

        Assert.All(errors, e => Assert.Equal(ErrorKind.Unavailable, e.Kind));
        Assert.All(errors, e => Assert.StartsWith($"PostgreSQL at 127.0.0.1:{_closedPort} is unreachable: ", e.Message, StringComparison.Ordinal));
        Assert.DoesNotContain("unused", errors[0].Message, StringComparison.Ordinal);
        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task BlobStore_ServiceDown_UnavailableNamingHostAndPortForPutAndCopy()
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 1;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        var store = new BlobArtifactStore(
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[64])};BlobEndpoint=http://127.0.0.1:{_closedPort}/devstoreaccount1;",
            "artifacts",
            options);
        var file = _folder.Write("model.onnx", "not really a model");

        var put = await Assert.ThrowsAsync<ModelDockException>(() => store.PutAsync(file, default));
        var copy = await Assert.ThrowsAsync<ModelDockException>(() => store.CopyToFileAsync(new ArtifactRef(new string('a', 64), 1), _folder.Combine("copy.onnx"), default));

        Assert.Equal((ErrorKind.Unavailable, ErrorKind.Unavailable), (put.Kind, copy.Kind));
        Assert.StartsWith($"Azure Blob Storage at 127.0.0.1:{_closedPort} is unreachable: ", put.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Azure Blob Storage at 127.0.0.1:{_closedPort} is unreachable: ", copy.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.Combine("copy.onnx")));
    }

    [Fact]
    public void RegistryStorage_PostgresAndBlobConfigured_UsesThemAndConnectsToNothingYet()
    {
        using var storage = RegistryStorage.Open(
            new RegistryOptions
            {
                DataDir = _folder.Path,
                Postgres = $"Host=127.0.0.1;Port={_closedPort};Username=modeldock",
                BlobStorage = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[64])};BlobEndpoint=http://127.0.0.1:{_closedPort}/devstoreaccount1;",
            },
            TimeProvider.System);

        Assert.Equal(("postgresql", "blob"), (storage.Registry.Store.Name, storage.Registry.Artifacts.Name));
        Assert.IsType<PostgresEndpointStore>(storage.Endpoints);
        Assert.IsType<PostgresApiKeyStore>(storage.Keys);
        Assert.Equal(Path.Combine(_folder.Path, "cache"), storage.CacheFolder);
    }

    [Fact]
    public void RegistryStorage_DataDirOnly_SqliteAndFiles()
    {
        using var storage = RegistryStorage.Local(_folder.Path);

        Assert.Equal(("sqlite", "files"), (storage.Registry.Store.Name, storage.Registry.Artifacts.Name));
        Assert.IsType<SqliteEndpointStore>(storage.Endpoints);
        Assert.IsType<SqliteApiKeyStore>(storage.Keys);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    /// <summary>A loopback port that was free a moment ago: connecting to it is refused at once.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
