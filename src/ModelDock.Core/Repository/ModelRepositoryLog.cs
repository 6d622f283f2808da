using Microsoft.Extensions.Logging;

namespace ModelDock.Repository;

/// <summary>Log events of the model repository; event ids 2000-2099.</summary>
internal static partial class ModelRepositoryLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Model {Model} version {Version} is ready ({Milliseconds} ms to load and warm up)")]
    public static partial void VersionReady(ILogger logger, string model, long version, long milliseconds);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Error, Message = "Model {Model} version {Version} failed to load: {Reason}")]
    public static partial void VersionFailed(ILogger logger, string model, long version, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Model {Model} failed to load: {Reason}")]
    public static partial void ModelFailed(ILogger logger, string model, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Model {Model} version {Version} retired; it is disposed once its in-flight requests finish")]
    public static partial void VersionRetired(ILogger logger, string model, long version);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Model {Model} unloaded")]
    public static partial void ModelUnloaded(ILogger logger, string model);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Polling the model repository failed")]
    public static partial void PollFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "Model {Model} swapped: serving versions {Versions}, previously {Previous}")]
    public static partial void Swapped(ILogger logger, string model, string versions, string previous);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Disposing model {Model} version {Version} failed")]
    public static partial void DisposeFailed(ILogger logger, string model, long version, Exception exception);
}
