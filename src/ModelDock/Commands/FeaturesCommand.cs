using System.CommandLine;
using ModelDock.Features.Offline;

namespace ModelDock.Cli.Commands;

/// <summary>
/// <c>modeldock features ...</c>: the feature store's verbs, shaped as Feast's. <c>apply DIR</c> is the only verb that reads
/// definition files; it stores them in the registry under <c>--data-dir</c>, which every other verb (and <c>serve</c>)
/// reads, so all of them take <c>--data-dir</c> and none takes a definitions folder.
/// </summary>
internal static class FeaturesCommand
{
    public static Command Create()
    {
        var features = new Command("features", "Define, materialize and retrieve features.");
        features.Subcommands.Add(Init());
        features.Subcommands.Add(Apply());
        features.Subcommands.Add(History());
        features.Subcommands.Add(FeaturesMaterializeCommand.CreateMaterialize());
        features.Subcommands.Add(FeaturesMaterializeCommand.CreateMaterializeIncremental());
        features.Subcommands.Add(FeaturesCheckSkewCommand.Create());
        return features;
    }

    private static Command Init()
    {
        var folder = new Argument<DirectoryInfo>("repository") { Description = "New or empty folder to write the sample feature repository to." };
        var command = new Command("init", "Writes a small sample feature repository, definitions and data, to try the other verbs on.") { folder };
        command.SetAction(parse => FeaturesInitCommand.Run(parse.GetValue(folder)!.FullName));
        return command;
    }

    private static Command Apply()
    {
        var repository = new Argument<DirectoryInfo>("repository") { Description = "Folder of feature definition YAML files." };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("apply", "Validates feature definitions and stores them, versioned, in the registry every other verb and serve read.") { repository, dataDir };
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
        command.Aliases.Add("get-historical-features");
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
