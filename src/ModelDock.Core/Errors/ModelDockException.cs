namespace ModelDock.Errors;

/// <summary>A failure with a kind that transports turn into a protocol error and a message meant for the client.</summary>
public sealed class ModelDockException : Exception
{
    public ModelDockException(ErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public ErrorKind Kind { get; }

    public static ModelDockException InvalidInput(string message) => new(ErrorKind.InvalidInput, message);

    public static ModelDockException NotFound(string message) => new(ErrorKind.NotFound, message);

    public static ModelDockException Unavailable(string message) => new(ErrorKind.Unavailable, message);
}
