namespace ModelDock.Registry;

/// <summary>
/// Content-addressed artifact storage: the file system in the data folder, or Azure Blob Storage. An artifact is
/// visible only once it is complete, the same bytes are stored once, and every read checks the bytes against the hash.
/// </summary>
internal interface IArtifactStore
{
    string Name { get; }

    /// <summary>Stores a file's bytes under their SHA-256; storing bytes already there costs a hash and nothing else.</summary>
    Task<ArtifactRef> PutAsync(string sourceFile, CancellationToken cancellationToken);

    /// <summary>
    /// Copies an artifact to a local file, checking length and hash as it goes; a mismatch deletes the copy and throws
    /// <see cref="ArtifactCorruptException"/>, and a missing artifact is NotFound.
    /// </summary>
    Task CopyToFileAsync(ArtifactRef artifact, string destinationFile, CancellationToken cancellationToken);
}
