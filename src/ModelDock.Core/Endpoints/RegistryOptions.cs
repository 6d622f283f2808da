namespace ModelDock.Endpoints;

/// <summary>Where the registry and the endpoints live, and how often a server looks for changes (configuration section <c>ModelDock:Registry</c>).</summary>
public sealed class RegistryOptions
{
    /// <summary>The data folder: <c>modeldock.db</c> for metadata, <c>artifacts/</c> for model files.</summary>
    public string DataDir { get; set; } = string.Empty;

    /// <summary>How often the endpoint store is checked for changes made elsewhere (the CLI, another replica).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
