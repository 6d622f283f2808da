using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using ModelDock.Errors;

namespace ModelDock.Cli.Commands;

/// <summary>
/// One log format for everything <c>serve</c> prints, whether the line comes from the web host or the model server:
/// single-line text, or one JSON object a line (<c>ModelDock:Logging:Format</c> = <c>json</c>, <c>--log-format json</c>)
/// for log collectors, with the scopes that carry the request's trace and span ids and its request id.
/// </summary>
internal static class ConsoleLogging
{
    /// <summary>Configuration key of the format, under the <c>ModelDock</c> section.</summary>
    public const string FormatKey = "Logging:Format";

    public const string Text = "text";

    public const string Json = "json";

    public static bool IsFormat(string? value) =>
        string.Equals(value, Text, StringComparison.OrdinalIgnoreCase) || string.Equals(value, Json, StringComparison.OrdinalIgnoreCase);

    /// <summary>Replaces the console providers with ModelDock's, in the format configuration names (text when it names none).</summary>
    public static ILoggingBuilder AddModelDockConsole(this ILoggingBuilder logging, IConfiguration configuration)
    {
        var format = configuration[$"{Microsoft.Extensions.DependencyInjection.ModelDockServiceCollectionExtensions.ConfigurationSection}:{FormatKey}"];
        if (format is not null && !IsFormat(format))
        {
            throw ModelDockException.InvalidInput($"ModelDock:Logging:Format must be {Text} or {Json}, got '{format}'.");
        }

        logging.ClearProviders();
        logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (!string.Equals(format, Json, StringComparison.OrdinalIgnoreCase))
        {
            return logging.AddSimpleConsole(o => o.SingleLine = true);
        }

        return logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
        });
    }
}
