using System.CommandLine;
using System.CommandLine.Parsing;

namespace ModelDock.Cli.Commands;

/// <summary>Options several verbs share, so they are spelled and defaulted the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<DirectoryInfo> DataDir() => new("--data-dir")
    {
        Description = "Folder for ModelDock's embedded storage (SQLite metadata, offline and online stores).",
        DefaultValueFactory = _ => new DirectoryInfo("modeldock-data"),
    };

    /// <summary>
    /// An option's value for a command validator that compares options, or the type's default when the value did not parse:
    /// the parser reports that error itself, and command validators run even then (where GetValue throws).
    /// </summary>
    public static T? ParsedValue<T>(CommandResult result, Option<T> option)
    {
        try
        {
            return result.GetValue(option);
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }
}
