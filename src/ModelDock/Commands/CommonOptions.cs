using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ModelDock.Endpoints;
using ModelDock.Errors;
using ModelDock.Registry;

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
    /// The registry storage <c>serve</c> uses with this data folder: PostgreSQL and Blob Storage come from the same keys
    /// (<c>ModelDock:Registry</c> in appsettings.json, <c>MODELDOCK__REGISTRY__POSTGRES</c> and the like in the
    /// environment), so the CLI changes what the servers serve.
    /// </summary>
    public static RegistryStorage OpenRegistry(DirectoryInfo dataDir)
    {
        IConfiguration configuration;
        try
        {
            configuration = new ConfigurationBuilder()
                .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false)
                .AddEnvironmentVariables()
                .Build();
        }
        catch (InvalidDataException e)
        {
            throw ModelDockException.InvalidInput($"{e.Message} {e.InnerException?.Message}".TrimEnd());
        }

        var options = new RegistryOptions();
        configuration.GetSection(ModelDockServiceCollectionExtensions.RegistrySection).Bind(options);
        options.DataDir = dataDir.FullName;
        return RegistryStorage.Open(options, TimeProvider.System);
    }

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
