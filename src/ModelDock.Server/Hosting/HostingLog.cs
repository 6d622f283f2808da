using Microsoft.Extensions.Logging;

namespace ModelDock.Server.Hosting;

/// <summary>Log events of the host; event ids 1000-1099.</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "{Endpoint} listening on {Address}{Scope}")]
    public static partial void Listening(ILogger logger, string endpoint, string address, string scope);

    [LoggerMessage(
        EventId = 1001,
        Level = LogLevel.Warning,
        Message = "Listening beyond this machine (REST {Rest}, gRPC {Grpc}): changes need an admin key, but inference, metadata "
            + "and feature reads need no key. Set RequireAuth (serve --require-auth) to require one, or put ModelDock behind a "
            + "gateway or a network policy that admits only trusted callers.")]
    public static partial void Unauthenticated(ILogger logger, string rest, string grpc);
}
