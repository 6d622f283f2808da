using Microsoft.Extensions.Logging;
using ModelDock.Errors;

namespace ModelDock.Server.Errors;

/// <summary>
/// How the transports log a failed request; event ids 3000-3099. A client's mistake is one debug line
/// without a stack trace, so hostile traffic cannot flood the log; only a fault of the server is an error.
/// </summary>
internal static partial class ErrorLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "{Call} answered {Kind}: {Reason}")]
    public static partial void ClientError(ILogger logger, string call, ErrorKind kind, string reason);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "{Call} failed inside the server")]
    public static partial void ServerFault(ILogger logger, string call, Exception exception);

    /// <summary>Logs a classified failure at the level its kind deserves.</summary>
    public static void Failed(ILogger logger, string call, ErrorKind kind, string reason, Exception exception)
    {
        if (kind == ErrorKind.Internal)
        {
            ServerFault(logger, call, exception);
        }
        else
        {
            ClientError(logger, call, kind, reason);
        }
    }
}
