namespace ModelDock.Endpoints;

/// <summary>
/// Where the registry, the endpoints and the API keys live, and how often a server looks for changes (configuration
/// section <c>ModelDock:Registry</c>). By default everything is in the data folder; replicas that share one registry
/// set <see cref="Postgres"/> for metadata and <see cref="BlobStorage"/> for artifacts.
/// </summary>
public sealed class RegistryOptions
{
    /// <summary>The data folder: <c>modeldock.db</c> for metadata, <c>artifacts/</c> for model files, <c>cache/</c> for loaded copies.</summary>
    public string DataDir { get; set; } = string.Empty;

    /// <summary>How often the endpoint store is checked for changes made elsewhere (the CLI, another replica).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>An Npgsql connection string; when set, registry, endpoint and key metadata live in PostgreSQL instead of SQLite.</summary>
    public string? Postgres { get; set; }

    /// <summary>An Azure Storage connection string; when set, artifacts live in Blob Storage instead of <c>artifacts/</c>.</summary>
    public string? BlobStorage { get; set; }

    /// <summary>The blob container that holds artifacts, created when missing.</summary>
    public string BlobContainer { get; set; } = "modeldock-artifacts";
}
