using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModelDock.Errors;
using ModelDock.Registry;
using ModelDock.Server.Admin;
using ModelDock.Tensors;
using Spectre.Console;

namespace ModelDock.Cli.Commands;

/// <summary>
/// <c>modeldock models ...</c>: the model registry in the data folder, or a running server's with <c>--server</c>
/// (except 'package' and 'import', which work on the data folder). Versions are immutable and numbered per model;
/// aliases are movable names for versions, and every move is kept.
/// </summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var models = new Command("models", "Register model versions, list them, and point aliases at them.");
        models.Subcommands.Add(Register());
        models.Subcommands.Add(List());
        models.Subcommands.Add(Show());
        models.Subcommands.Add(Alias());
        models.Subcommands.Add(Unalias());
        models.Subcommands.Add(Aliases());
        models.Subcommands.Add(Delete());
        models.Subcommands.Add(Package());
        models.Subcommands.Add(Import());
        return models;
    }

    private static Command Package()
    {
        var reference = new Argument<string>("version") { Description = "MODEL:VERSION or MODEL@ALIAS." };
        var output = new Option<FileInfo>("--out") { Description = "The bundle to write (a zip file).", Required = true };
        var dataDir = CommonOptions.DataDir();
        var command = new Command("package", "Writes a version as a self-contained bundle: the artifact and a manifest with its hash, signature, config and lineage.")
        {
            reference, output, dataDir,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var named = ModelReference.Parse(parse.GetValue(reference)!, requireSelector: true);
            var registry = Open(parse.GetValue(dataDir)!);
            var version = await registry.GetAsync(named.Model, named.Selector!, cancellationToken);
            await ModelBundle.WriteAsync(registry, version, parse.GetValue(output)!.FullName, cancellationToken);
            AnsiConsole.WriteLine($"Wrote {named.Model}:{version.Version} (sha256:{version.Artifact.Sha256}) to {parse.GetValue(output)!.FullName}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Import()
    {
        var bundle = new Argument<FileInfo>("bundle") { Description = "A bundle written by 'models package'." };
        var (dataDir, json) = (CommonOptions.DataDir(), CommandOutput.JsonOption());
        var command = new Command("import", "Registers a bundle's version as the next version of its model here, after checking the artifact against the manifest's hash.")
        {
            bundle, dataDir, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var version = await ModelBundle.ImportAsync(Open(parse.GetValue(dataDir)!), parse.GetValue(bundle)!.FullName, Environment.UserName, cancellationToken);
            CommandOutput.Print(parse.GetValue(json), [Describe(version)], () => VersionsTable([version]));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Register()
    {
        var name = new Argument<string>("name") { Description = "Model name: letters, digits, '_', '-' or '.'." };
        var file = new Option<FileInfo?>("--file") { Description = "The model file (ONNX)." };
        var folder = new Option<DirectoryInfo?>("--folder")
        {
            Description = "A Triton-style model folder (config plus numbered version folders); each version folder becomes the next version. Not with --server: upload each version with --file.",
        };
        var config = new Option<FileInfo?>("--config") { Description = "Model configuration, JSON or YAML, Triton's keys (with --file)." };
        var description = new Option<string>("--description") { Description = "What this version is.", DefaultValueFactory = _ => string.Empty };
        var tags = KeyValues("--tag", "A tag, key=value (repeatable).");
        var metrics = KeyValues("--metric", "An evaluation metric, key=number (repeatable).");
        var lineage = KeyValues("--lineage", "Where the version came from, key=value (repeatable): training_data, training_data_sha256, feature_service, code_revision, parameters...");
        var json = CommandOutput.JsonOption();
        var command = new Command("register", "Registers the next version of a model; the file must load in ONNX Runtime. With --server the file is uploaded.")
        {
            name, file, folder, config, description, tags, metrics, lineage, json,
        };
        var target = ControlPlaneOptions.AddTo(command);
        command.Validators.Add(result =>
        {
            if ((result.GetValue(file) is null) == (result.GetValue(folder) is null))
            {
                result.AddError("Give exactly one of --file FILE or --folder DIR.");
            }

            if (result.GetValue(folder) is not null && result.GetValue(config) is not null)
            {
                result.AddError("--config goes with --file; a --folder carries its own config file.");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            var request = new RegistrationRequest(parse.GetValue(name)!, parse.GetValue(file)?.FullName ?? string.Empty)
            {
                ConfigFile = parse.GetValue(config)?.FullName,
                Description = parse.GetValue(description)!,
                Tags = ParsePairs(parse.GetValue(tags), "--tag", v => v),
                Metrics = ParsePairs(parse.GetValue(metrics), "--metric", ParseMetric),
                Lineage = ParsePairs(parse.GetValue(lineage), "--lineage", v => v),
            };
            var registered = parse.GetValue(folder) is { } dir
                ? await plane.RegisterFolderAsync(dir.FullName, request, cancellationToken)
                : [await plane.RegisterAsync(request, cancellationToken)];
            CommandOutput.Print(parse.GetValue(json), registered.Select(Describe), () => VersionsTable(registered));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var json = CommandOutput.JsonOption();
        var command = new Command("list", "Lists registered models with their latest version and aliases.") { json };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            var models = await plane.ListModelsAsync(cancellationToken);
            CommandOutput.Print(
                parse.GetValue(json),
                models.Select(m => (object)new { model = m.Model, latest_version = Latest(m), versions = m.Versions.Count, aliases = m.Aliases }),
                () =>
                {
                    var table = new Table().AddColumns("model", "latest", "versions", "aliases");
                    foreach (var m in models)
                    {
                        table.AddRow(m.Model, Latest(m)?.ToString(CultureInfo.InvariantCulture) ?? "-", m.Versions.Count.ToString(CultureInfo.InvariantCulture), AliasText(m.Aliases));
                    }

                    return table;
                });
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var reference = new Argument<string>("model") { Description = "MODEL (every version), MODEL:VERSION or MODEL@ALIAS." };
        var json = CommandOutput.JsonOption();
        var command = new Command("show", "Shows versions with their signature, hash, tags, metrics and lineage.") { reference, json };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            var named = ModelReference.Parse(parse.GetValue(reference)!);
            IReadOnlyList<ModelVersionInfo> versions = named.Selector is null
                ? await plane.ListVersionsAsync(named.Model, cancellationToken)
                : [await plane.GetVersionAsync(named.Model, named.Selector, cancellationToken)];
            CommandOutput.Print(parse.GetValue(json), versions.Select(Describe), () => VersionsTable(versions));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Alias()
    {
        var model = new Argument<string>("model") { Description = "The model." };
        var alias = new Argument<string>("alias") { Description = "The alias, e.g. champion." };
        var version = new Argument<long>("version") { Description = "The version it points at from now on." };
        var json = CommandOutput.JsonOption();
        var command = new Command("alias", "Points an alias at a version (creating or moving it); the move is recorded.") { model, alias, version, json };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            var move = await plane.SetAliasAsync(parse.GetValue(model)!, parse.GetValue(alias)!, parse.GetValue(version), cancellationToken);
            PrintMoves(parse.GetValue(json), [move]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Unalias()
    {
        var model = new Argument<string>("model") { Description = "The model." };
        var alias = new Argument<string>("alias") { Description = "The alias to remove." };
        var json = CommandOutput.JsonOption();
        var command = new Command("unalias", "Removes an alias; the removal is recorded.") { model, alias, json };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            var move = await plane.RemoveAliasAsync(parse.GetValue(model)!, parse.GetValue(alias)!, cancellationToken);
            PrintMoves(parse.GetValue(json), [move]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Aliases()
    {
        var model = new Argument<string>("model") { Description = "The model." };
        var json = CommandOutput.JsonOption();
        var command = new Command("aliases", "Lists every move of the model's aliases: who, when, from, to.") { model, json };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            PrintMoves(parse.GetValue(json), await plane.AliasHistoryAsync(parse.GetValue(model)!, cancellationToken));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete()
    {
        var reference = new Argument<string>("version") { Description = "MODEL:VERSION." };
        var command = new Command("delete", "Deletes a version that no alias points at and no endpoint deploys; its number is never reused.") { reference };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var named = ModelReference.Parse(parse.GetValue(reference)!);
            var version = named.Version ?? throw ModelDockException.InvalidInput($"'{parse.GetValue(reference)}' is not MODEL:VERSION");
            using var plane = target.Open(parse);
            await plane.DeleteVersionAsync(named.Model, version, cancellationToken);
            AnsiConsole.WriteLine($"Deleted {named.Model}:{version}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static ModelRegistry Open(DirectoryInfo dataDir) => CommonOptions.OpenRegistry(dataDir).Registry;

    private static Option<string[]> KeyValues(string name, string description) => new(name) { Description = description, AllowMultipleArgumentsPerToken = false };

    private static Dictionary<string, T> ParsePairs<T>(string[]? pairs, string flag, Func<string, T> value)
    {
        var map = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var pair in pairs ?? [])
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw ModelDockException.InvalidInput($"{flag} '{pair}' is not key=value");
            }

            if (!map.TryAdd(pair[..equals], value(pair[(equals + 1)..])))
            {
                throw ModelDockException.InvalidInput($"{flag} '{pair[..equals]}' is given twice");
            }
        }

        return map;
    }

    private static double ParseMetric(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw ModelDockException.InvalidInput($"--metric value '{text}' is not a finite number");

    private static object Describe(ModelVersionInfo v) => new
    {
        model = v.Model,
        version = v.Version,
        artifact = new { sha256 = v.Artifact.Sha256, bytes = v.Artifact.Bytes },
        inputs = v.Signature.Inputs.Select(t => new { name = t.Name, datatype = t.DataType.ToWireName(), shape = t.Shape }),
        outputs = v.Signature.Outputs.Select(t => new { name = t.Name, datatype = t.DataType.ToWireName(), shape = t.Shape }),
        config = v.Config is null ? (JsonElement?)null : JsonDocument.Parse(v.Config).RootElement,
        description = v.Description,
        tags = v.Tags,
        metrics = v.Metrics,
        lineage = v.Lineage,
        created_by = v.CreatedBy,
        created_at = v.CreatedAt,
    };

    private static Table VersionsTable(IEnumerable<ModelVersionInfo> versions)
    {
        var table = new Table().AddColumns("model", "version", "sha256", "inputs", "outputs", "tags / metrics / lineage", "created");
        foreach (var v in versions)
        {
            table.AddRow(
                new Text(v.Model),
                new Text(v.Version.ToString(CultureInfo.InvariantCulture)),
                new Text(v.Artifact.Sha256[..12]),
                new Text(string.Join("\n", v.Signature.Inputs)),
                new Text(string.Join("\n", v.Signature.Outputs)),
                new Text(string.Join("\n", v.Tags.Select(t => $"{t.Key}={t.Value}")
                    .Concat(v.Metrics.Select(m => $"{m.Key}={m.Value.ToString(CultureInfo.InvariantCulture)}"))
                    .Concat(v.Lineage.Select(l => $"{l.Key}={l.Value}")))),
                new Text($"{v.CreatedAt:u} by {v.CreatedBy}"));
        }

        return table;
    }

    private static void PrintMoves(bool json, IEnumerable<AliasMove> moves) =>
        CommandOutput.Print(
            json,
            moves.Select(m => (object)new { model = m.Model, alias = m.Alias, from = m.From, to = m.To, by = m.By, at = m.At }),
            () =>
            {
                var table = new Table().AddColumns("model", "alias", "from", "to", "by", "at");
                foreach (var m in moves)
                {
                    table.AddRow(m.Model, m.Alias, m.From?.ToString(CultureInfo.InvariantCulture) ?? "-", m.To?.ToString(CultureInfo.InvariantCulture) ?? "(removed)", m.By, $"{m.At:u}");
                }

                return table;
            });

    private static long? Latest(ModelSummary model) => model.Versions.Count > 0 ? model.Versions[^1] : null;

    private static string AliasText(IReadOnlyDictionary<string, long> aliases) => string.Join(", ", aliases.Select(a => $"{a.Key}={a.Value}"));
}
