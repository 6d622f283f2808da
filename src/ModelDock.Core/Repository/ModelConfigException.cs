namespace ModelDock.Repository;

/// <summary>A model's config file is unreadable or invalid; the message names the file and the key.</summary>
internal sealed class ModelConfigException : Exception
{
    public ModelConfigException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
