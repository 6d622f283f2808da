namespace ModelDock.Server.Hosting;

/// <summary>The two listeners a <see cref="ModelDockHost"/> listens on.</summary>
public enum ModelDockListener
{
    /// <summary>OIP REST and the feature API over HTTP/1.1.</summary>
    Rest,

    /// <summary>OIP gRPC over cleartext HTTP/2.</summary>
    Grpc,
}
