using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModelDock.Errors;
using ModelDock.Features.Assembly;
using ModelDock.Features.Definitions;
using ModelDock.Features.Online;
using ModelDock.Features.Registry;
using ModelDock.Repository;
using ModelDock.Runtime;
using ModelDock.Runtime.Onnx;
using Spectre.Console;

namespace ModelDock.Cli.Commands;

/// <summary>
/// <c>modeldock features check-skew --model M --entities FILE</c>: the model's assembled inputs from historical retrieval
/// and from the online store, compared element by element (<see cref="FeatureSkewCheck"/>). Exits
/// <see cref="ExitCodes.SkewFound"/> when any differs, so a script or CI step can gate on it.
/// </summary>
internal static class FeaturesCheckSkewCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model as NAME or NAME:VERSION (default: its latest version).", Required = true };
        var entities = new Option<FileInfo>("--entities") { Description = "Parquet or CSV file: the model's entity key columns, optionally event_timestamp.", Required = true };
        var repository = new Option<DirectoryInfo?>("--model-repository") { Description = "Folder repository to read the model from (default: the registry in --data-dir)." };
        var at = new Option<string?>("--at") { Description = "Time of rows without event_timestamp (ISO 8601, UTC unless an offset is given; default: now)." };
        var json = CommandOutput.JsonOption();
        var dataDir = CommonOptions.DataDir();
        var store = new OnlineStoreOptions();
        var command = new Command("check-skew", "Compares a model's inputs from historical retrieval with those the online store serves, feature by feature.")
        {
            model, entities, repository, at, json, dataDir,
        };
        store.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var time = parse.GetValue(at) is { } text ? ParseTime(text) : TimeProvider.System.GetUtcNow();
            var data = parse.GetValue(dataDir)!.FullName;
            var (name, version) = SplitModel(parse.GetValue(model)!);
            var (declaration, signature, maxBatchSize) = parse.GetValue(repository) is { } folder
                ? LoadFromFolder(folder.FullName, name, version)
                : await LoadFromRegistryAsync(parse.GetValue(dataDir)!, name, version, cancellationToken);
            var definitions = FeaturesAppliedDefinitions.Read(data);
            await using var online = await store.OpenAsync(parse, data);
            using var registry = new FeatureRegistry(data, TimeProvider.System);
            var source = new OnlineFeatureSource(() => new OnlineFeatureService(definitions, online, TimeProvider.System), registry.GetFeatureService);
            FeatureAssemblyPlan plan;
            FeatureRepository serviceDefinitions;
            try
            {
                plan = FeatureAssemblyPlan.Create(declaration, signature, maxBatchSize, source);
                serviceDefinitions = source.DefinitionsOf(declaration.Service);
            }
            catch (ModelConfigException e)
            {
                throw new CommandFailedException(ExitCodes.FeatureStore, e.Message);
            }

            var report = await FeatureSkewCheck.RunAsync(plan, serviceDefinitions, online, data, parse.GetValue(entities)!.FullName, time, cancellationToken);
            Print(report, parse.GetValue(json));
            return report.Differences.Count == 0 ? ExitCodes.Ok : ExitCodes.SkewFound;
        });
        return command;
    }

    private static void Print(FeatureSkewReport report, bool json)
    {
        var summary = report.Differences.Count == 0
            ? $"no skew: {report.Rows} rows x {report.FeaturesPerRow} features are identical offline and online"
            : $"skew: {report.Differences.Count} of {report.Rows * report.FeaturesPerRow} values differ ({report.Differences.Select(d => d.Row).Distinct().Count()} of {report.Rows} rows)";
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(
                new { report.Rows, report.FeaturesPerRow, report.Differences, Summary = summary },
                new JsonSerializerOptions { WriteIndented = true }));
            return;
        }

        if (report.Differences.Count > 0)
        {
            var table = new Table().AddColumns("entity key", "input", "feature", "offline", "online");
            foreach (var d in report.Differences)
            {
                table.AddRow(Markup.Escape(d.EntityKey), Markup.Escape(d.Input), Markup.Escape(d.Feature), Markup.Escape(d.OfflineValue), Markup.Escape(d.OnlineValue));
            }

            AnsiConsole.Write(table);
        }

        AnsiConsole.WriteLine(summary);
    }

    private static (string Name, string? Version) SplitModel(string text)
    {
        var parts = text.Split(':');
        return parts.Length switch
        {
            1 when parts[0].Length > 0 => (parts[0], null),
            2 when parts[0].Length > 0 && parts[1].Length > 0 => (parts[0], parts[1]),
            _ => throw ModelDockException.InvalidInput($"--model '{text}' is not NAME or NAME:VERSION."),
        };
    }

    /// <summary>The model's declaration and signature from a folder repository, as serve would load its latest (or given) version.</summary>
    private static (FeatureDeclaration Declaration, ModelSignature Signature, int MaxBatchSize) LoadFromFolder(string repository, string name, string? version)
    {
        var modelDirectory = Path.Combine(repository, name);
        if (!Directory.Exists(modelDirectory))
        {
            throw new CommandFailedException(ExitCodes.ModelRepository, $"model '{name}' is not in the model repository (--model-repository)");
        }

        long number;
        if (version is null)
        {
            var versions = RepositoryScanner.ListVersions(modelDirectory);
            number = versions.Count > 0 ? versions.Max() : throw new CommandFailedException(ExitCodes.ModelRepository, $"model '{name}' has no version folder in the model repository");
        }
        else if (!RepositoryScanner.TryParseVersion(version, out number))
        {
            throw ModelDockException.InvalidInput($"--model '{name}:{version}': in a folder repository the version is a number.");
        }

        try
        {
            var config = ModelConfigReader.Read(modelDirectory, name);
            var file = Path.Combine(modelDirectory, number.ToString(CultureInfo.InvariantCulture), config.DefaultModelFilename);
            if (!File.Exists(file))
            {
                throw new CommandFailedException(ExitCodes.ModelRepository, $"model '{name}' has no version {number} with a {config.DefaultModelFilename} in the model repository");
            }

            using var backend = OnnxModelBackend.Load(file, config.Session);
            return (Declaration(config, name), SignatureResolver.Resolve(backend.Signature, config), config.MaxBatchSize);
        }
        catch (ModelConfigException e)
        {
            throw new CommandFailedException(ExitCodes.ModelRepository, e.Message);
        }
    }

    /// <summary>The model's declaration and signature as registered; the registry keeps both, so no model file is opened.</summary>
    private static async Task<(FeatureDeclaration Declaration, ModelSignature Signature, int MaxBatchSize)> LoadFromRegistryAsync(
        DirectoryInfo dataDir, string name, string? version, CancellationToken cancellationToken)
    {
        using var storage = CommonOptions.OpenRegistry(dataDir);
        long number;
        if (version is not null)
        {
            number = (await storage.Registry.GetAsync(name, version, cancellationToken)).Version;
        }
        else
        {
            var versions = await storage.Registry.Store.ListVersionsAsync(name, cancellationToken);
            number = versions.Count > 0 ? versions.Max(v => v.Version) : throw ModelDockException.NotFound($"model '{name}' has no versions in the registry");
        }

        var info = await storage.Registry.Store.GetVersionAsync(name, number, cancellationToken);
        try
        {
            var config = info.Config is null ? ModelConfig.Default : ModelConfigReader.Parse($"registry {name}:{number} config.json", info.Config, name);
            return (Declaration(config, $"{name}:{number}"), SignatureResolver.Resolve(info.Signature, config), config.MaxBatchSize);
        }
        catch (ModelConfigException e)
        {
            throw new CommandFailedException(ExitCodes.ModelRepository, e.Message);
        }
    }

    private static FeatureDeclaration Declaration(ModelConfig config, string model) =>
        config.Features ?? throw ModelDockException.InvalidInput($"model '{model}' declares no inputs from features (modeldock.features in its config), so there is nothing to compare");

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw ModelDockException.InvalidInput($"--at '{text}' is not a date and time (ISO 8601, e.g. 2026-01-31T00:00:00Z).");
}
