using System.Globalization;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using ModelDock.Errors;

namespace ModelDock.Registry;

/// <summary>
/// Artifacts as block blobs named <c>sha256/&lt;hash&gt;</c> in one container, shared by replicas. A put stages the
/// file's blocks and then commits the block list only if no blob has the name yet: until the commit nothing is visible,
/// so an interrupted upload leaves no blob (the service discards uncommitted blocks), and bytes already stored are not
/// sent again. Every copy out is hashed as it streams, exactly as <see cref="FileArtifactStore"/> does.
/// </summary>
internal sealed class BlobArtifactStore : IArtifactStore
{
    private const int BlockBytes = 4 << 20;

    private readonly BlobContainerClient _container;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _containerExists;

    public BlobArtifactStore(string connectionString, string container, BlobClientOptions? options = null)
    {
        try
        {
            _container = new BlobContainerClient(connectionString, container, options ?? new BlobClientOptions());
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            // The message never repeats the connection string: it holds the account key.
            throw ModelDockException.InvalidInput($"the Azure Storage connection string or container name '{container}' is not valid: {e.Message}");
        }

        Address = $"{_container.Uri.Host}:{_container.Uri.Port}";
    }

    public string Name => "blob";

    /// <summary>host:port of the Blob service, for messages.</summary>
    public string Address { get; }

    /// <summary>The container client, for tests that reach the stored bytes directly.</summary>
    internal BlobContainerClient Container => _container;

    public static string BlobName(string sha256) =>
        sha256.Length == 64 && sha256.All(char.IsAsciiHexDigitLower)
            ? "sha256/" + sha256
            : throw ModelDockException.InvalidInput($"'{sha256}' is not a SHA-256 in lower-case hex");

    public async Task<ArtifactRef> PutAsync(string sourceFile, CancellationToken cancellationToken)
    {
        ArtifactRef artifact;
        await using (var source = OpenRead(sourceFile))
        {
            artifact = await FileArtifactStore.CopyHashingAsync(source, Stream.Null, cancellationToken).ConfigureAwait(false);
        }

        var blob = _container.GetBlockBlobClient(BlobName(artifact.Sha256));
        try
        {
            await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);
            if (await blob.ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                return artifact;
            }

            var staged = await StageAsync(blob, sourceFile, cancellationToken).ConfigureAwait(false);
            if (staged.Hashed != artifact)
            {
                throw ModelDockException.InvalidInput($"model file '{sourceFile}' changed while it was being stored; nothing was stored");
            }

            await blob.CommitBlockListAsync(
                staged.Blocks,
                new CommitBlockListOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists || e.ErrorCode == BlobErrorCode.ConditionNotMet)
        {
            // Another process committed the same bytes first: they are stored, which is all a put promises.
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw Unreachable(e);
        }

        return artifact;
    }

    public async Task CopyToFileAsync(ArtifactRef artifact, string destinationFile, CancellationToken cancellationToken)
    {
        var blob = _container.GetBlobClient(BlobName(artifact.Sha256));
        ArtifactRef copied;
        try
        {
            using var download = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            await using var target = new FileStream(destinationFile, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            copied = await FileArtifactStore.CopyHashingAsync(download.Content, target, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            File.Delete(destinationFile);
            throw ModelDockException.NotFound($"artifact {artifact} is not in the artifact store (container '{_container.Name}' at {Address})");
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            File.Delete(destinationFile);
            throw Unreachable(e);
        }
        catch
        {
            File.Delete(destinationFile);
            throw;
        }

        if (copied != artifact)
        {
            File.Delete(destinationFile);
            throw new ArtifactCorruptException(artifact, $"the stored bytes hash to sha256:{copied.Sha256} ({copied.Bytes} bytes, expected {artifact.Bytes})");
        }
    }

    private static FileStream OpenRead(string file) => new(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);

    /// <summary>
    /// A request that never got an answer (refused, reset, timed out, retries exhausted); a status from the service
    /// (denied, bad request) is a configuration fault and keeps its own exception.
    /// </summary>
    private static bool IsUnreachable(Exception e) => e switch
    {
        RequestFailedException r => r.Status == 0,
        AggregateException a => a.InnerExceptions.All(IsUnreachable),
        HttpRequestException or TimeoutException => true,
        IOException io => io is HttpIOException || io.InnerException is System.Net.Sockets.SocketException or HttpRequestException,
        _ => false,
    };

    /// <summary>Stages the file in blocks and hashes what it sent, so a file that changed since it was hashed is caught.</summary>
    private static async Task<(List<string> Blocks, ArtifactRef Hashed)> StageAsync(BlockBlobClient blob, string sourceFile, CancellationToken cancellationToken)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var blocks = new List<string>();
        var buffer = new byte[BlockBytes];
        long total = 0;
        await using var source = OpenRead(sourceFile);
        while (true)
        {
            var filled = await source.ReadAtLeastAsync(buffer, BlockBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (filled == 0)
            {
                // An empty file commits an empty block list: a blob of no bytes.
                break;
            }

            hash.AppendData(buffer, 0, filled);
            total += filled;

            // Block ids must all have one length; a number padded to 8 digits orders them and covers 32 TiB.
            var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(blocks.Count.ToString("D8", CultureInfo.InvariantCulture)));
            using (var block = new MemoryStream(buffer, 0, filled, writable: false))
            {
                await blob.StageBlockAsync(id, block, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            blocks.Add(id);
            if (filled < BlockBytes)
            {
                break;
            }
        }

        return (blocks, new ArtifactRef(Convert.ToHexStringLower(hash.GetHashAndReset()), total));
    }

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_containerExists)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_containerExists)
            {
                await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                _containerExists = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private ModelDockException Unreachable(Exception e) =>
        new(ErrorKind.Unavailable, $"Azure Blob Storage at {Address} is unreachable: {e.Message}", e);
}
