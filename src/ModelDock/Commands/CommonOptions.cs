using System.CommandLine;

namespace ModelDock.Cli.Commands;

/// <summary>Options several verbs share, so they are spelled and defaulted the same everywhere.</summary>
internal static class CommonOptions
{
    public static Option<DirectoryInfo> DataDir() => new("--data-dir")
    {
        Description = "Folder for ModelDock's embedded storage (SQLite metadata, offline and online stores).",
        DefaultValueFactory = _ => new DirectoryInfo("modeldock-data"),
    };
}
