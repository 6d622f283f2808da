using System.CommandLine;
using ModelDock.Features.Offline;

namespace ModelDock.Cli.Commands;

/// <summary><c>modeldock features ...</c>: the feature store's verbs.</summary>
internal static class FeaturesCommand
{
    public static Command Create()
    {
        var features = new Command("features", "Define, materialize and retrieve features.");
        features.Subcommands.Add(Apply());
        features.Subcommands.Add(History());
        return features;
    }

    private static Command Apply()
    {
        var repository = new Argument<DirectoryInfo>("repository") { Description = "Folder of feature definition YAML files." };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("apply", "Validates feature definitions and stores them, versioned.") { repository, dataDir };
        command.SetAction(parse => FeaturesApplyCommand.Run(parse.GetValue(repository)!.FullName, parse.GetValue(dataDir)!.FullName));
        return command;
    }

    private static Command History()
    {
        var entities = new Option<FileInfo>("--entities") { Description = "Parquet or CSV entity table: join keys and event_timestamp.", Required = true };
        var service = new Option<string?>("--service") { Description = "Feature service as NAME or NAME:VERSION." };
        var featureList = new Option<string?>("--features") { Description = "Comma-separated view:feature references." };
        var output = new Option<FileInfo>("--out") { Description = "Output file, .parquet or .csv.", Required = true };
        var fullNames = new Option<bool>("--full-feature-names") { Description = "Name columns view__feature." };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("history", "Point-in-time correct training data for an entity table.")
        {
            entities, service, featureList, output, fullNames, dataDir,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(service) is null) == (result.GetValue(featureList) is null))
            {
                result.AddError("Give exactly one of --service or --features.");
            }
        });
        command.SetAction((parse, cancellationToken) => FeaturesHistoryCommand.RunAsync(
            new FeatureHistoryArguments(
                parse.GetValue(dataDir)!.FullName,
                parse.GetValue(entities)!.FullName,
                parse.GetValue(service),
                parse.GetValue(featureList)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
                parse.GetValue(output)!.FullName,
                parse.GetValue(fullNames)),
            cancellationToken));
        return command;
    }
}
