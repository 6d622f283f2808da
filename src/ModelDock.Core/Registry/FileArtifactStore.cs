using System.Security.Cryptography;
using ModelDock.Errors;

namespace ModelDock.Registry;

/// <summary>
/// Artifacts as files under <c>&lt;root&gt;/sha256/&lt;first two hex digits&gt;/&lt;hash&gt;</c>. A put writes a temporary
/// file in the same folder, flushes it to disk and renames it into place, so a crash leaves either no artifact or a
/// whole one, never a part under the final name.
/// </summary>
internal sealed class FileArtifactStore : IArtifactStore
{
    private const int BufferBytes = 1 << 16;
    private readonly string _root;

    public FileArtifactStore(string root)
    {
        _root = Path.GetFullPath(root);
    }

    public string Name => "files";

    public async Task<ArtifactRef> PutAsync(string sourceFile, CancellationToken cancellationToken)
    {
        var staging = Path.Combine(_root, "staging");
        Directory.CreateDirectory(staging);
        var temporary = Path.Combine(staging, Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            ArtifactRef artifact;
            await using (var source = new FileStream(sourceFile, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes, useAsync: true))
            await using (var target = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferBytes, useAsync: true))
            {
                artifact = await CopyHashingAsync(source, target, cancellationToken).ConfigureAwait(false);
                target.Flush(flushToDisk: true);
            }

            // Bytes already stored are replaced by the copy just hashed: the same content, and it repairs a damaged file.
            var final = PathOf(artifact.Sha256);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(temporary, final, overwrite: true);
            return artifact;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public async Task CopyToFileAsync(ArtifactRef artifact, string destinationFile, CancellationToken cancellationToken)
    {
        var path = PathOf(artifact.Sha256);
        if (!File.Exists(path))
        {
            throw ModelDockException.NotFound($"artifact {artifact} is not in the artifact store ({_root})");
        }

        ArtifactRef copied;
        await using (var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes, useAsync: true))
        await using (var target = new FileStream(destinationFile, FileMode.Create, FileAccess.Write, FileShare.None, BufferBytes, useAsync: true))
        {
            copied = await CopyHashingAsync(source, target, cancellationToken).ConfigureAwait(false);
        }

        if (copied != artifact)
        {
            File.Delete(destinationFile);
            throw new ArtifactCorruptException(artifact, $"the stored bytes hash to sha256:{copied.Sha256} ({copied.Bytes} bytes, expected {artifact.Bytes})");
        }
    }

    /// <summary>Copies and hashes in one pass, so a large artifact is read once.</summary>
    internal static async Task<ArtifactRef> CopyHashingAsync(Stream source, Stream target, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferBytes];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            total += read;
        }

        return new ArtifactRef(Convert.ToHexStringLower(hash.GetHashAndReset()), total);
    }

    /// <summary>Hashes come from the metadata store and from bundles, so one that is not 64 hex digits never becomes a path.</summary>
    private string PathOf(string sha256) =>
        sha256.Length == 64 && sha256.All(char.IsAsciiHexDigitLower)
            ? Path.Combine(_root, "sha256", sha256[..2], sha256)
            : throw ModelDockException.InvalidInput($"'{sha256}' is not a SHA-256 in lower-case hex");
}
