using System.CommandLine;
using System.Globalization;
using ModelDock.Endpoints;
using ModelDock.Errors;
using Spectre.Console;

namespace ModelDock.Cli.Commands;

/// <summary>
/// <c>modeldock endpoints ...</c>: the names clients call, their deployments and the traffic between them, in the data
/// folder (a running <c>serve</c> on the same data folder picks every change up within its poll interval) or through a
/// server's admin API with <c>--server</c> (the server applies the change before it answers).
/// </summary>
internal static class EndpointsCommand
{
    public static Command Create()
    {
        var endpoints = new Command("endpoints", "Create endpoints, deploy registered versions to them, split, mirror and move traffic, roll back.");
        endpoints.Subcommands.Add(CreateEndpoint());
        endpoints.Subcommands.Add(Deploy());
        endpoints.Subcommands.Add(Traffic());
        endpoints.Subcommands.Add(StickyKey());
        endpoints.Subcommands.Add(Undeploy());
        endpoints.Subcommands.Add(Rollback());
        endpoints.Subcommands.Add(Show());
        endpoints.Subcommands.Add(List());
        endpoints.Subcommands.Add(Delete());
        return endpoints;
    }

    private static Command CreateEndpoint()
    {
        var name = EndpointArgument();
        var json = CommandOutput.JsonOption();
        var command = new Command("create", "Creates an endpoint with no deployments.") { name, json };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            Print(parse.GetValue(json), [await plane.CreateEndpointAsync(parse.GetValue(name)!, cancellationToken)]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Deploy()
    {
        var name = EndpointArgument();
        var deployment = new Argument<string>("deployment") { Description = "Deployment name, e.g. blue or green." };
        var model = new Option<string>("--model") { Description = "MODEL:VERSION or MODEL@ALIAS (the alias is resolved now and the version pinned).", Required = true };
        var force = new Option<bool>("--force") { Description = "Deploy even when the version's inputs or outputs differ from the other deployments'." };
        var json = CommandOutput.JsonOption();
        var command = new Command("deploy", "Adds a deployment (the first takes all traffic, later ones none until 'traffic'), or points one at another version.")
        {
            name, deployment, model, force, json,
        };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            var endpoint = await plane.DeployAsync(parse.GetValue(name)!, parse.GetValue(deployment)!, parse.GetValue(model)!, parse.GetValue(force), cancellationToken);
            Print(parse.GetValue(json), [endpoint]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Traffic()
    {
        var name = EndpointArgument();
        var weights = new Argument<string[]>("weights") { Description = "DEPLOYMENT=PERCENT for every deployment that takes traffic, summing to 100.", Arity = ArgumentArity.ZeroOrMore };
        var mirror = new Option<string?>("--mirror")
        {
            Description = $"DEPLOYMENT=PERCENT: also copy that percentage (at most {MirrorTraffic.MaxPercent}) of live requests to a deployment, answers discarded; 'none' or a percent of 0 stops it. Set after the split, as its own revision.",
        };
        var json = CommandOutput.JsonOption();
        var command = new Command("traffic", "Sets the traffic split and the mirror, e.g. 'traffic fraud blue=90 green=10' or 'traffic fraud --mirror green=10'.")
        {
            name, weights, mirror, json,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(weights) is not { Length: > 0 } && result.GetValue(mirror) is null)
            {
                result.AddError("Give DEPLOYMENT=PERCENT weights, --mirror, or both.");
            }
        });
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var split = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var weight in parse.GetValue(weights) ?? [])
            {
                if (!TryParseWeight(weight, out var deployment, out var percent) || !split.TryAdd(deployment, percent))
                {
                    throw ModelDockException.InvalidInput($"traffic: '{weight}' is not DEPLOYMENT=PERCENT with a whole percent, once per deployment");
                }
            }

            var mirrorText = parse.GetValue(mirror);
            var mirrored = mirrorText is null or "none" ? null : ParseMirror(mirrorText);
            using var plane = target.Open(parse);
            var endpoint = split.Count > 0 ? await plane.SetTrafficAsync(parse.GetValue(name)!, split, cancellationToken) : null;
            if (mirrorText is not null)
            {
                endpoint = await plane.SetMirrorAsync(parse.GetValue(name)!, mirrored, cancellationToken);
            }

            Print(parse.GetValue(json), [endpoint!]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command StickyKey()
    {
        var name = EndpointArgument();
        var key = new Argument<string>("key")
        {
            Description = "header:NAME (a request header or gRPC metadata key), input:NAME (the first element of an INT64, INT32 or BYTES input), or none.",
        };
        var json = CommandOutput.JsonOption();
        var command = new Command("sticky-key", "Keeps each client on one deployment while the split is unchanged, by a header or an input; 'none' draws every request at random again.")
        {
            name, key, json,
        };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            var value = parse.GetValue(key)!;
            Print(parse.GetValue(json), [await plane.SetStickyKeyAsync(parse.GetValue(name)!, value == "none" ? null : value, cancellationToken)]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Undeploy()
    {
        var name = EndpointArgument();
        var deployment = new Argument<string>("deployment") { Description = "A deployment that takes no traffic." };
        var json = CommandOutput.JsonOption();
        var command = new Command("undeploy", "Removes a deployment that takes no traffic.") { name, deployment, json };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            Print(parse.GetValue(json), [await plane.RemoveDeploymentAsync(parse.GetValue(name)!, parse.GetValue(deployment)!, cancellationToken)]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Rollback()
    {
        var name = EndpointArgument();
        var json = CommandOutput.JsonOption();
        var command = new Command("rollback", "Returns the endpoint to its previous revision (deployments, traffic, mirror and sticky key), as a new revision.") { name, json };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            Print(parse.GetValue(json), [await plane.RollbackAsync(parse.GetValue(name)!, cancellationToken)]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Show()
    {
        var name = EndpointArgument();
        var history = new Option<bool>("--history") { Description = "Every revision, oldest first, instead of the current one." };
        var json = CommandOutput.JsonOption();
        var command = new Command("show", "Shows an endpoint's deployments, traffic, mirror and sticky key.") { name, history, json };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            Print(parse.GetValue(json), parse.GetValue(history)
                ? await plane.EndpointHistoryAsync(parse.GetValue(name)!, cancellationToken)
                : [await plane.GetEndpointAsync(parse.GetValue(name)!, cancellationToken)]);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var json = CommandOutput.JsonOption();
        var command = new Command("list", "Lists endpoints with their deployments and traffic.") { json };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            Print(parse.GetValue(json), await plane.ListEndpointsAsync(cancellationToken));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete()
    {
        var name = EndpointArgument();
        var command = new Command("delete", "Deletes an endpoint; its revisions stay in the history.") { name };
        var target = ControlPlaneOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var plane = target.Open(parse);
            await plane.DeleteEndpointAsync(parse.GetValue(name)!, cancellationToken);
            AnsiConsole.WriteLine($"Deleted endpoint {parse.GetValue(name)}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Argument<string> EndpointArgument() => new("endpoint") { Description = "The endpoint: the model name clients call." };

    private static bool TryParseWeight(string text, out string deployment, out int percent)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        deployment = equals > 0 ? text[..equals] : string.Empty;
        percent = 0;
        return equals > 0 && int.TryParse(text[(equals + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out percent);
    }

    /// <summary>A percent of 0 turns mirroring off, as 'none' does; the range is the endpoint manager's to check.</summary>
    private static MirrorTraffic? ParseMirror(string text) =>
        TryParseWeight(text, out var deployment, out var percent)
            ? percent == 0 ? null : new MirrorTraffic(deployment, percent)
            : throw ModelDockException.InvalidInput($"mirror: '{text}' is not DEPLOYMENT=PERCENT with a whole percent, or none");

    private static void Print(bool json, IEnumerable<EndpointDefinition> endpoints)
    {
        var list = endpoints.ToList();
        CommandOutput.Print(
            json,
            list.Select(e => (object)new
            {
                endpoint = e.Name,
                revision = e.Revision,
                deployments = e.Deployments.Select(d => new { name = d.Name, model = d.Model, version = d.Version, alias = d.Alias, traffic = e.Traffic.GetValueOrDefault(d.Name) }),
                mirror = e.Mirror is null ? null : new { deployment = e.Mirror.Deployment, percent = e.Mirror.Percent },
                sticky_key = e.StickyKey,
                change = e.Change,
                changed_by = e.ChangedBy,
                changed_at = e.ChangedAt,
            }),
            () =>
            {
                var table = new Table().AddColumns("endpoint", "revision", "deployment", "model", "traffic", "sticky key", "change");
                foreach (var endpoint in list)
                {
                    var deployments = endpoint.Deployments.Count == 0 ? [null] : endpoint.Deployments.Cast<DeploymentSpec?>().ToList();
                    foreach (var d in deployments)
                    {
                        table.AddRow(
                            new Text(endpoint.Name),
                            new Text(endpoint.Revision.ToString(CultureInfo.InvariantCulture)),
                            new Text(d?.Name ?? "-"),
                            new Text(d is null ? "-" : $"{d.Model}:{d.Version}{(d.Alias is null ? string.Empty : $" (@{d.Alias})")}"),
                            new Text(d is null ? "-" : TrafficText(endpoint, d.Name)),
                            new Text(endpoint.StickyKey ?? "-"),
                            new Text($"{endpoint.Change} ({endpoint.ChangedBy}, {endpoint.ChangedAt:u})"));
                    }
                }

                return table;
            });
    }

    private static string TrafficText(EndpointDefinition endpoint, string deployment) =>
        $"{endpoint.Traffic.GetValueOrDefault(deployment)}%{(endpoint.Mirror?.Deployment == deployment ? $" + {endpoint.Mirror.Percent}% mirrored" : string.Empty)}";
}
