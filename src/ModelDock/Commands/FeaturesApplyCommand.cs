using ModelDock.Features.Definitions;
using ModelDock.Features.Registry;
using Spectre.Console;

namespace ModelDock.Cli.Commands;

/// <summary><c>modeldock features apply DIR</c>: validates the repository, stores it versioned, prints what changed.</summary>
internal static class FeaturesApplyCommand
{
    /// <returns><see cref="ExitCodes.Ok"/> when applied; <see cref="ExitCodes.FeatureStore"/> when the repository has errors (each printed as file:line:column: message).</returns>
    public static int Run(string repositoryFolder, string dataDir)
    {
        var loaded = FeatureRepositoryLoader.Load(repositoryFolder);
        if (loaded.Repository is not { } repository)
        {
            foreach (var error in loaded.Errors)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{error}[/]");
            }

            return ExitCodes.FeatureStore;
        }

        using var registry = new FeatureRegistry(dataDir, TimeProvider.System);
        var result = registry.Apply(repository);
        if (result.Changes.Count == 0)
        {
            AnsiConsole.WriteLine("No changes.");
            return ExitCodes.Ok;
        }

        var table = new Table().AddColumns("change", "kind", "name", "version", "details");
        foreach (var change in result.Changes)
        {
            var color = change.Change switch
            {
                FeatureChangeKind.Breaking or FeatureChangeKind.Removed => "red",
                FeatureChangeKind.Added => "green",
                _ => "yellow",
            };
            table.AddRow(
                new Markup($"[{color}]{change.Change}[/]"),
                new Text(change.Kind.ToString()),
                new Text(change.Name),
                new Text(change.PreviousVersion is { } previous && previous != change.Version ? $"v{previous} -> v{change.Version}" : $"v{change.Version}"),
                new Text(string.Join("; ", change.Details)));
        }

        AnsiConsole.Write(table);
        return ExitCodes.Ok;
    }
}
