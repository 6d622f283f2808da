namespace ModelDock.Repository;

/// <summary>Where models are read from and how changes on disk are picked up (configuration section <c>ModelDock:ModelRepository</c>).</summary>
public sealed class ModelRepositoryOptions
{
    /// <summary>Folder with one sub-folder per model: <c>&lt;model&gt;/[config.json|config.yaml]</c>, <c>&lt;model&gt;/&lt;version&gt;/model.onnx</c>.</summary>
    public string RepositoryPath { get; set; } = string.Empty;

    /// <summary>How often the folder is rescanned for added, removed or changed models and versions; null or zero = never (load and unload by API only).</summary>
    public TimeSpan? PollInterval { get; set; }

    /// <summary>Server readiness requires every model in the repository to have a ready version (Triton's strict readiness); otherwise started is ready.</summary>
    public bool StrictReadiness { get; set; } = true;
}
