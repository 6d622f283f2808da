using Microsoft.Extensions.Logging;

namespace ModelDock.Cli.Commands;

/// <summary>One log format for everything <c>serve</c> prints, whether the line comes from the web host or the model server.</summary>
internal static class ConsoleLogging
{
    public static ILoggingBuilder AddModelDockConsole(this ILoggingBuilder logging) =>
        logging.ClearProviders().AddSimpleConsole(o => o.SingleLine = true);
}
